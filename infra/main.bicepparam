// Parameters of a deployment with every default: Flex Consumption, sandbox mode until a Synthflow key is given.
// ./build.sh deploy passes the Synthflow secrets from the environment (SYNTHFLOW_API_KEY, SYNTHFLOW_WEBHOOK_SECRET)
// and any other NAME=VALUE override on its command line; nothing secret is ever written here.
using 'main.bicep'

param namePrefix = 'synthflow'
param hostingPlan = 'FlexConsumption'
