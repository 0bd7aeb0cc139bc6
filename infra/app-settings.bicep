// The Function App's application settings, set once the app's identity holds its roles (main.bicep waits for them),
// so Key Vault references resolve and the host reaches its storage at the first start.
// This resource replaces the whole set: every setting the app needs is here.

param functionAppName string
param isFlex bool
param storageAccountName string
param insightsConnectionString string

@description('Versionless URI of the Key Vault secret holding the Synthflow API key; empty runs the app in sandbox mode.')
param apiKeySecretUri string

@description('Versionless URI of the Key Vault secret holding the webhook secret; empty leaves the setting empty.')
param webhookSecretUri string

@description('The app\'s own settings (Synthflow__*, Calls__*, Pools__*, Reconcile__*, Hooks__*, Connector__PublicBaseUrl), by name; none is a secret.')
param values object

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

var storageSuffix = environment().suffixes.storage

// Identity-based AzureWebJobsStorage: the host (timer leases, queue triggers, Flex deployment) and the app's tables and
// queues, no keys.
var platformSettings = {
  AzureWebJobsStorage__blobServiceUri: 'https://${storageAccountName}.blob.${storageSuffix}'
  AzureWebJobsStorage__queueServiceUri: 'https://${storageAccountName}.queue.${storageSuffix}'
  AzureWebJobsStorage__tableServiceUri: 'https://${storageAccountName}.table.${storageSuffix}'
  AzureWebJobsStorage__credential: 'managedidentity'
  APPLICATIONINSIGHTS_CONNECTION_STRING: insightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
}

// Secrets are only ever Key Vault references, resolved by the platform with the app's identity.
var secretSettings = {
  Synthflow__ApiKey: empty(apiKeySecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${apiKeySecretUri})'
  Synthflow__WebhookSecret: empty(webhookSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${webhookSecretUri})'
}

// Flex Consumption takes the runtime and the package from functionAppConfig and refuses these settings; other plans
// need them (the zip deploy runs from the package, so re-deploying these settings keeps it mounted).
var dedicatedPlanSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'dotnet-isolated'
  WEBSITE_RUN_FROM_PACKAGE: '1'
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(platformSettings, secretSettings, values, isFlex ? {} : dedicatedPlanSettings)
}
