// SynthflowConnector in one resource group: a Linux Function App (.NET 10 isolated worker) with a system-assigned
// identity, its storage account reached by identity only (shared keys off), Application Insights on a Log Analytics
// workspace, and a Key Vault (RBAC) holding the Synthflow secrets the app settings reference.
// Build and lint: ./build.sh infra. Deploy: ./build.sh deploy <resource-group> [location].
targetScope = 'resourceGroup'

@description('Azure region of every resource; the resource group\'s by default.')
param location string = resourceGroup().location

@description('Lowercase letters and digits that start every resource name; a hash of the resource group id makes the names globally unique.')
@minLength(1)
@maxLength(9)
param namePrefix string = 'synthflow'

@description('FlexConsumption (FC1, scales to zero) or Dedicated (an App Service plan, see dedicatedPlanSku).')
@allowed([
  'FlexConsumption'
  'Dedicated'
])
param hostingPlan string = 'FlexConsumption'

@description('SKU of the App Service plan when hostingPlan is Dedicated, e.g. B1, S1, P0v3.')
param dedicatedPlanSku string = 'B1'

@description('Flex Consumption: the most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Flex Consumption: memory of one instance.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Synthflow Platform API key, stored in Key Vault. Empty: the app runs in sandbox mode and no secret is created.')
@secure()
param synthflowApiKey string = ''

@description('Secret that signs Synthflow webhooks, stored in Key Vault. Empty: no secret is created.')
@secure()
param synthflowWebhookSecret string = ''

// The app's own settings (README, "Settings"); each default is the app's default.
@allowed([
  'global'
  'us'
  'eu'
])
param synthflowRegion string = 'global'
param synthflowWorkspace string = ''
param synthflowMaxRequestsPerSecond int = 10
param synthflowTimeout string = '00:00:30'
param synthflowMaxRetries int = 3
param synthflowRetryBaseDelay string = '00:00:01'
param synthflowRetryMaxDelay string = '00:00:20'

@allowed([
  'synthflow-default'
  'local-presence'
  'round-robin'
  'sticky'
])
param callsDefaultCallerIdStrategy string = 'synthflow-default'
param callsIdempotencyKeyTtl string = '1.00:00:00'
param callsAttachedNumbersCacheDuration string = '00:00:30'
param callsTableName string = 'SynthflowCalls'
param poolsTableName string = 'SynthflowPools'

@description('Six-field NCRONTAB (seconds first, UTC) of the reconcile timer.')
param reconcileSchedule string = '0 */5 * * * *'
param reconcileEnabled bool = true
param reconcileMaxParallelAgents int = 8
param reconcileMaxRunDuration string = '00:08:00'
param reconcileMaxDetachPerRun int = 5

// The "When a call ends" trigger (README, "When a call ends").
@description('The receiver\'s public base URL, when WEBSITE_HOSTNAME is not it (a custom domain or a gateway); empty uses the app\'s own host name.')
param connectorPublicBaseUrl string = ''
param hooksDeliveryTimeout string = '00:00:10'
param hooksRetryBaseDelay string = '00:00:15'
param hooksRetryMaxDelay string = '04:00:00'
param hooksRetryWindow string = '1.00:00:00'

@description('Six-field NCRONTAB (seconds first, UTC) of the sweep that finds calls whose webhook never came; the timer needs the setting.')
param hooksSweepSchedule string = '0 */1 * * * *'
param hooksSweepGrace string = '00:02:00'
param hooksSweepLookback string = '2.00:00:00'
param hooksSweepEnabled bool = true

@description('How long an instance reuses the subscription list it read (hh:mm:ss; 00:00:00 reads it every time): other instances see a subscribe or unsubscribe within this.')
param hooksSubscriptionCacheDuration string = '00:00:05'

// Campaigns (README, "Campaigns").
@description('Six-field NCRONTAB (seconds first, UTC) of the campaign dispatcher; the timer needs the setting.')
param campaignsDispatchSchedule string = '*/10 * * * * *'
param campaignsDispatchEnabled bool = true
param campaignsSuppressOnOptOut bool = false

// Account pacing (README, "Campaigns"). Empty: 1 call/s and 5 at once in live mode, the sandbox's own limits in sandbox mode; 0: no limit.
@description('New calls per second for the whole Synthflow account; empty for the default (1 live), 0 for no limit (Enterprise).')
param synthflowCallsPerSecond string = ''
@description('Calls live at once for the whole Synthflow account; empty for the default (5 live), 0 for no limit.')
param synthflowMaxConcurrentCalls string = ''
param synthflowPacingMaxWait string = '00:00:20'
param synthflowLiveCallCheckAfter string = '00:02:00'

var isFlex = hostingPlan == 'FlexConsumption'
var suffix = uniqueString(resourceGroup().id)
var prefix = toLower(namePrefix)
var names = {
  functionApp: 'func-${prefix}-${suffix}'
  plan: 'plan-${prefix}-${suffix}'
  storage: 'st${prefix}${suffix}'
  keyVault: 'kv${prefix}${suffix}'
  logs: 'log-${prefix}-${suffix}'
  insights: 'appi-${prefix}-${suffix}'
}
var deploymentContainerName = 'app-package'

// Key Vault secret names allow only letters, digits and dashes: `--` stands for the settings' `__`.
var apiKeySecretName = 'Synthflow--ApiKey'
var webhookSecretName = 'Synthflow--WebhookSecret'
// Versionless secret URIs (the app always reads the latest version), known before the vault exists.
var keyVaultUri = 'https://${names.keyVault}${environment().suffixes.keyvaultDns}/'

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: names.storage
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

// Flex Consumption deploys the app from a package in this container.
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: deploymentContainerName
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: names.logs
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: names.insights
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: names.keyVault
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

resource apiKeySecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(synthflowApiKey)) {
  parent: keyVault
  name: apiKeySecretName
  properties: {
    value: synthflowApiKey
  }
}

resource webhookSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(synthflowWebhookSecret)) {
  parent: keyVault
  name: webhookSecretName
  properties: {
    value: synthflowWebhookSecret
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: names.plan
  location: location
  kind: isFlex ? 'functionapp' : 'linux'
  sku: isFlex
    ? {
        name: 'FC1'
        tier: 'FlexConsumption'
      }
    : {
        name: dedicatedPlanSku
      }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: names.functionApp
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: union(
      {
        minTlsVersion: '1.2'
        scmMinTlsVersion: '1.2'
        ftpsState: 'Disabled'
        http20Enabled: true
      },
      isFlex
        ? {}
        : {
            linuxFxVersion: 'DOTNET-ISOLATED|10.0'
            alwaysOn: true
          }
    )
    functionAppConfig: isFlex
      ? {
          runtime: {
            name: 'dotnet-isolated'
            version: '10.0'
          }
          deployment: {
            storage: {
              type: 'blobContainer'
              value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
              authentication: {
                type: 'SystemAssignedIdentity'
              }
            }
          }
          scaleAndConcurrency: {
            maximumInstanceCount: maximumInstanceCount
            instanceMemoryMB: instanceMemoryMB
          }
        }
      : null
  }
}

// Publishing with user names and passwords (FTP, and basic auth on the SCM site) is off: deploys use Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

module access 'access.bicep' = {
  name: 'access'
  params: {
    functionAppName: functionApp.name
    principalId: functionApp.identity.principalId
    storageAccountName: storage.name
    keyVaultName: keyVault.name
    insightsName: insights.name
  }
}

module settings 'app-settings.bicep' = {
  name: 'app-settings'
  params: {
    functionAppName: functionApp.name
    isFlex: isFlex
    storageAccountName: storage.name
    insightsConnectionString: insights.properties.ConnectionString
    apiKeySecretUri: empty(synthflowApiKey) ? '' : '${keyVaultUri}secrets/${apiKeySecretName}'
    webhookSecretUri: empty(synthflowWebhookSecret) ? '' : '${keyVaultUri}secrets/${webhookSecretName}'
    values: {
      Synthflow__Region: synthflowRegion
      Synthflow__Workspace: synthflowWorkspace
      Synthflow__MaxRequestsPerSecond: string(synthflowMaxRequestsPerSecond)
      Synthflow__Timeout: synthflowTimeout
      Synthflow__MaxRetries: string(synthflowMaxRetries)
      Synthflow__RetryBaseDelay: synthflowRetryBaseDelay
      Synthflow__RetryMaxDelay: synthflowRetryMaxDelay
      Synthflow__CallsPerSecond: synthflowCallsPerSecond
      Synthflow__MaxConcurrentCalls: synthflowMaxConcurrentCalls
      Synthflow__PacingMaxWait: synthflowPacingMaxWait
      Synthflow__LiveCallCheckAfter: synthflowLiveCallCheckAfter
      Calls__DefaultCallerIdStrategy: callsDefaultCallerIdStrategy
      Calls__IdempotencyKeyTtl: callsIdempotencyKeyTtl
      Calls__AttachedNumbersCacheDuration: callsAttachedNumbersCacheDuration
      Calls__TableName: callsTableName
      Pools__TableName: poolsTableName
      Reconcile__Schedule: reconcileSchedule
      Reconcile__Enabled: reconcileEnabled ? 'true' : 'false'
      Reconcile__MaxParallelAgents: string(reconcileMaxParallelAgents)
      Reconcile__MaxRunDuration: reconcileMaxRunDuration
      Reconcile__MaxDetachPerRun: string(reconcileMaxDetachPerRun)
      Connector__PublicBaseUrl: connectorPublicBaseUrl
      Hooks__DeliveryTimeout: hooksDeliveryTimeout
      Hooks__RetryBaseDelay: hooksRetryBaseDelay
      Hooks__RetryMaxDelay: hooksRetryMaxDelay
      Hooks__RetryWindow: hooksRetryWindow
      Hooks__SweepSchedule: hooksSweepSchedule
      Hooks__SweepGrace: hooksSweepGrace
      Hooks__SweepLookback: hooksSweepLookback
      Hooks__SweepEnabled: hooksSweepEnabled ? 'true' : 'false'
      Hooks__SubscriptionCacheDuration: hooksSubscriptionCacheDuration
      Campaigns__DispatchSchedule: campaignsDispatchSchedule
      Campaigns__DispatchEnabled: campaignsDispatchEnabled ? 'true' : 'false'
      Campaigns__SuppressOnOptOut: campaignsSuppressOnOptOut ? 'true' : 'false'
    }
  }
  // Key Vault references resolve, and the host reaches its storage, only once the identity holds its roles.
  dependsOn: [
    apiKeySecret
    webhookSecret
    access
  ]
}

output functionAppName string = functionApp.name
output functionAppHostName string = functionApp.properties.defaultHostName
output resourceGroupName string = resourceGroup().name
output keyVaultName string = keyVault.name
output storageAccountName string = storage.name
output hostingPlan string = hostingPlan
