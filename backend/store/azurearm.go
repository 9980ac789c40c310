package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// AzureARM is where an Azure OpenAI provider's resource lives in Azure
// Resource Manager and the service principal that may deploy to it. The
// client secret is never here (backend/secrets keeps it).
type AzureARM struct {
	ProviderID    int64  `json:"provider_id"`
	Subscription  string `json:"subscription"`
	ResourceGroup string `json:"resource_group"`
	Resource      string `json:"resource"` // the Azure OpenAI (Cognitive Services) account name
	Tenant        string `json:"tenant"`
	ClientID      string `json:"client_id"`
	ARMURL        string `json:"arm_url,omitempty"`   // "" = https://management.azure.com
	LoginURL      string `json:"login_url,omitempty"` // "" = https://login.microsoftonline.com
}

func scanAzureARM(row scanner) (AzureARM, error) {
	var a AzureARM
	err := row.Scan(&a.ProviderID, &a.Subscription, &a.ResourceGroup, &a.Resource, &a.Tenant, &a.ClientID, &a.ARMURL, &a.LoginURL)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

// ProviderAzureARM returns a provider's ARM settings (ErrNotFound when it
// has none).
func (s *Store) ProviderAzureARM(ctx context.Context, providerID int64) (AzureARM, error) {
	return queryOne(ctx, s.db, scanAzureARM, fmt.Sprintf("Azure ARM settings of provider %d", providerID),
		`SELECT provider_id, subscription, resource_group, resource, tenant, client_id, arm_url, login_url FROM provider_azure_arm WHERE provider_id=?`, providerID)
}

// SetProviderAzureARM creates or replaces a provider's ARM settings.
func (s *Store) SetProviderAzureARM(ctx context.Context, a AzureARM) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO provider_azure_arm(provider_id, subscription, resource_group, resource, tenant, client_id, arm_url, login_url, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(provider_id) DO UPDATE SET subscription=excluded.subscription, resource_group=excluded.resource_group,
		resource=excluded.resource, tenant=excluded.tenant, client_id=excluded.client_id, arm_url=excluded.arm_url, login_url=excluded.login_url, updated_at=excluded.updated_at`,
		a.ProviderID, a.Subscription, a.ResourceGroup, a.Resource, a.Tenant, a.ClientID, a.ARMURL, a.LoginURL, now())
	return err
}

// DeleteProviderAzureARM removes a provider's ARM settings (none is fine).
func (s *Store) DeleteProviderAzureARM(ctx context.Context, providerID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM provider_azure_arm WHERE provider_id=?`, providerID)
	return err
}
