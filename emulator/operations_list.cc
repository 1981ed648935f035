#include "emulator/operations_list.h"

namespace keyward::emulator {
namespace {

// Kept as JSON text so it reads like (and diffs against) the published example.
constexpr const char kOperationsJson[] = R"json([
  {
    "name": "Microsoft.KeyVault/vaults/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key Vault",
      "operation": "View Key Vault",
      "description": "View the properties of a key vault"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/write",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key Vault",
      "operation": "Update Key Vault",
      "description": "Create a new key vault or update the properties of an existing key vault"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/delete",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key Vault",
      "operation": "Delete Key Vault",
      "description": "Delete a key vault"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/deploy/action",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key Vault",
      "operation": "Use Vault for Azure Deployments",
      "description": "Enables access to secrets in a key vault when deploying Azure resources"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/secrets/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Secret",
      "operation": "View Secret Properties",
      "description": "View the properties of a secret, but not its value"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/secrets/write",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Secret",
      "operation": "Update Secret",
      "description": "Create a new secret or update the value of an existing secret"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/accessPolicies/write",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Access Policy",
      "operation": "Update Access Policy",
      "description": "Update an existing access policy by merging or replacing, or add a new access policy to a vault."
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/providers/Microsoft.Insights/logDefinitions/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key Vault Log Definition",
      "operation": "Read log definition",
      "description": "Gets the available logs for a key vault"
    },
    "origin": "system",
    "isDataAction": false,
    "properties": {
      "serviceSpecification": {
        "logSpecifications": [
          {
            "name": "AuditEvent",
            "displayName": "Audit Logs",
            "blobDuration": "PT1H"
          }
        ],
        "metricSpecifications": [
          {
            "name": "ServiceApiHit",
            "displayName": "",
            "displayDescription": "",
            "unit": "",
            "aggregationType": "",
            "supportedAggregationTypes": [
              ""
            ],
            "supportedTimeGrainTypes": [
              ""
            ],
            "lockAggregationType": "",
            "dimensions": [
              {
                "name": "ActivityType",
                "displayName": "",
                "toBeExportedForShoebox": true
              },
              {
                "name": "ActivityName",
                "displayName": "",
                "toBeExportedForShoebox": true
              }
            ],
            "fillGapWithZero": false,
            "internalMetricName": "AuditEvent"
          }
        ]
      }
    }
  },
  {
    "name": "Microsoft.KeyVault/vaults/providers/Microsoft.Insights/diagnosticSettings/Read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key Vault Diagnostic Settings",
      "operation": "Read diagnostic setting",
      "description": "Gets the diagnostic setting for the resource"
    },
    "origin": "system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/providers/Microsoft.Insights/diagnosticSettings/Write",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key Vault Diagnostic Settings",
      "operation": "Write diagnostic setting",
      "description": "Creates or updates the diagnostic setting for the resource"
    },
    "origin": "system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/register/action",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Subscription",
      "operation": "Register Subscription",
      "description": "Registers a subscription"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/unregister/action",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Subscription",
      "operation": "Unregister Subscription",
      "description": "Unregisters a subscription"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/operations/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Operations",
      "operation": "Available Key Vault Operations",
      "description": "Lists operations available on Microsoft.KeyVault resource provider"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/checkNameAvailability/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Name Availability",
      "operation": "Check Name Availability",
      "description": "Checks that a key vault name is valid and is not in use"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/deletedVaults/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Soft Deleted Key Vault",
      "operation": "View Soft Deleted Vaults",
      "description": "View the properties of soft deleted key vaults"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/locations/deletedVaults/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Soft Deleted Key Vault",
      "operation": "View Soft Deleted Key Vault",
      "description": "View the properties of a soft deleted key vault"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/locations/deletedVaults/purge/action",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Soft Deleted Key Vault",
      "operation": "Purge Soft Deleted Key Vault",
      "description": "Purge a soft deleted key vault"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/locations/operationResults/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Long Run Operation Result",
      "operation": "Check Operation Result",
      "description": "Check the result of a long run operation"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/hsmPools/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "HSM pool",
      "operation": "View HSM pool",
      "description": "View the properties of an HSM pool"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/hsmPools/write",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "HSM pool",
      "operation": "Create or Update HSM pool",
      "description": "Create a new HSM pool of update the properties of an existing HSM pool"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/hsmPools/delete",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "HSM pool",
      "operation": "Delete HSM pool",
      "description": "Delete an HSM pool"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/hsmPools/joinVault/action",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "HSM pool",
      "operation": "Join KeyVault to HSM pool",
      "description": "Join a key vault to an HSM pool"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/managedHSMs/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Managed HSM",
      "operation": "View Managed HSM",
      "description": "View the properties of a Managed HSM"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/managedHSMs/write",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Managed HSM",
      "operation": "Create or Update Managed HSM",
      "description": "Create a new Managed HSM of update the properties of an existing Managed HSM"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/managedHSMs/delete",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Managed HSM",
      "operation": "Delete Managed HSM",
      "description": "Delete a Managed HSM"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/providers/Microsoft.Insights/metricDefinitions/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key Vault Metric Definition",
      "operation": "Read metric definition",
      "description": "Gets the available metrics for a key vault"
    },
    "origin": "system",
    "isDataAction": false,
    "properties": {
      "serviceSpecification": {}
    }
  },
  {
    "name": "Microsoft.KeyVault/locations/deleteVirtualNetworkOrSubnets/action",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Location",
      "operation": "Modify Network ACLs containing the deleted Vitual Network or Subnet ",
      "description": "Notifies Microsoft.KeyVault that a virtual network or subnet is being deleted"
    },
    "origin": "system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/keys/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key",
      "operation": "List Keys / Get Key Properties",
      "description": "List the keys in a key vault, or read the properties and public material of a key. Private key material cannot be read."
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/keys/write",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key",
      "operation": "Create Key",
      "description": "Creates the first version of a new key if it does not exist. If it already exists, then the existing key is returned unmodified."
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/keys/versions/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Key Version",
      "operation": "Read Key Version",
      "description": "List the versions of a key, or read the properties of a key version."
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/privateEndpointConnections/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Private Endpoint Connection",
      "operation": "View Private Endpoint Connection",
      "description": "View the state of a private endpoint connection or the list of private endpoint connections on a key vault"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/privateEndpointConnections/write",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Private Endpoint Connection",
      "operation": "Modify Private Endpoint Connection",
      "description": "Approve or reject a connection to a Private Endpoint resource of Microsoft.Network provider"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/privateEndpointConnections/delete",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Private Endpoint Connection",
      "operation": "Delete Private Endpoint Connection",
      "description": "Delete a private endpoint connection on a key vault"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/vaults/privateLinkResources/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Private Link Resource",
      "operation": "Read Private Link Resources",
      "description": "Get the available private link resources for a key vault"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/managedHSMs/keys/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Managed HSM Key",
      "operation": "List Managed HSM Keys / Get Key Properties",
      "description": "List the keys in a Managed HSM, or read the properties of a key."
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/managedHSMs/keys/write",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Managed HSM Key",
      "operation": "Create Managed HSM Key",
      "description": "Creates the first version of a new key in a Managed HSM if it does not exist."
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/managedHSMs/keys/versions/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Managed HSM Key Version",
      "operation": "Read Managed HSM Key Version",
      "description": "List the versions of a Managed HSM key, or read the properties of a key version."
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/locations/deletedManagedHsms/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Soft Deleted Managed HSM",
      "operation": "View Soft Deleted Managed HSM",
      "description": "View the properties of a soft deleted Managed HSM"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/locations/deletedManagedHsms/purge/action",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Soft Deleted Managed HSM",
      "operation": "Purge Soft Deleted Managed HSM",
      "description": "Purge a soft deleted Managed HSM"
    },
    "origin": "user,system",
    "isDataAction": false
  },
  {
    "name": "Microsoft.KeyVault/locations/managedHsmOperationResults/read",
    "display": {
      "provider": "Microsoft Key Vault",
      "resource": "Long Run Operation Result",
      "operation": "Check Managed HSM Operation Result",
      "description": "Check the result of a long run operation on a Managed HSM"
    },
    "origin": "user,system",
    "isDataAction": false
  }
])json";

}  // namespace

nlohmann::json KeyVaultOperations() { return nlohmann::json::parse(kOperationsJson); }

void RegisterOperationsListRoutes(Router& router, const ServiceContext& /*context*/) {
  router.Add({"GET", "/providers/Microsoft.KeyVault/operations", "Operations_List",
              ApiFamily::kKeyVault, true, [](RequestContext&) {
                return Reply::Json(200, {{"value", KeyVaultOperations()}});
              }});
}

}  // namespace keyward::emulator
