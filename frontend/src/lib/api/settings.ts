// The settings API: the only place that calls the generated Settings bindings.
// Keys travel page → Go once (on save) and never back: providers only say has_key.
import * as S from '../../../wailsjs/go/app/Settings';
import { app } from '../../../wailsjs/go/models';

export type Provider = app.Provider;
// The form as plain data (the generated class also carries a converter).
export type ProviderInput = Omit<app.ProviderInput, 'convertValues'>;
export type Kind = app.Kind;
export type KeyStorage = app.KeyStorage;
export type Role = app.Role;
export type Price = app.Price;
export type Usage = app.Usage;

export const listProviders = (): Promise<Provider[]> => S.Providers();
export const addProvider = (p: ProviderInput): Promise<Provider> => S.AddProvider(app.ProviderInput.createFrom(p));
export const updateProvider = (id: number, p: ProviderInput): Promise<Provider> => S.UpdateProvider(id, app.ProviderInput.createFrom(p));
export const removeProvider = (id: number): Promise<void> => S.RemoveProvider(id);
/** Connects to a saved provider and returns its model ids. */
export const testProvider = (name: string): Promise<string[]> => S.TestProvider(name);
export const providerKinds = (): Promise<Kind[]> => S.Kinds();
export const keyStorage = (): Promise<KeyStorage> => S.KeyStorage();

export const roleNames = (): Promise<string[]> => S.RoleNames();
export const listRoles = (): Promise<Role[]> => S.Roles();
export const setRole = (role: string, provider: string, model: string): Promise<void> => S.SetRole(role, provider, model);

export const listPrices = (): Promise<Price[]> => S.Prices();
export const setPrice = (p: Price): Promise<void> => S.SetPrice(app.Price.createFrom(p));
export const deletePrice = (model: string): Promise<void> => S.DeletePrice(model);

/** Token and cost totals per action of a dataset (0: calls tied to no dataset). */
export const usage = (datasetId: number): Promise<Usage[]> => S.Usage(datasetId);

/** Empty Azure Resource Manager settings (all empty: none). */
export const emptyAzureARM = (): app.AzureARM =>
  app.AzureARM.createFrom({
    subscription: '',
    resource_group: '',
    resource: '',
    tenant: '',
    client_id: '',
    client_secret: '',
    has_secret: false,
    arm_url: '',
    login_url: '',
  });

export const emptyProvider = (): ProviderInput =>
  app.ProviderInput.createFrom({
    name: '',
    kind: 'openai',
    base_url: '',
    api_key: '',
    clear_key: false,
    api_version: '',
    concurrency: 0,
    rpm: 0,
    max_retries: 0,
    timeout_ms: 0,
    azure_arm: emptyAzureARM(),
  });

export const roleLabels: Record<string, string> = {
  generation: 'Generation',
  judge: 'Judge',
  embedding: 'Embedding',
  base: 'Base model (dry run)',
  training: 'Training',
};
