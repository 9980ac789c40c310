package store

// Migrations 160–164 belong to the Azure serving target.
func init() {
	// Where an Azure OpenAI provider's resource lives in Azure Resource
	// Manager and which Entra service principal may deploy models to it
	// (the deploy target azure). The service principal's client secret is
	// not here: it is kept in the OS keyring like the API key. arm_url and
	// login_url are "" for the public cloud (management.azure.com,
	// login.microsoftonline.com); a sovereign cloud sets its own.
	register(160, "provider_azure_arm", `
CREATE TABLE provider_azure_arm (
	provider_id    INTEGER PRIMARY KEY REFERENCES providers(id) ON DELETE CASCADE,
	subscription   TEXT NOT NULL,
	resource_group TEXT NOT NULL,
	resource       TEXT NOT NULL,
	tenant         TEXT NOT NULL,
	client_id      TEXT NOT NULL,
	arm_url        TEXT NOT NULL DEFAULT '',
	login_url      TEXT NOT NULL DEFAULT '',
	updated_at     INTEGER NOT NULL
) WITHOUT ROWID;
`)
}
