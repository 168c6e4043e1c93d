#pragma once
// Every repair, by family; repair_table.cpp orders them.
#include "repair.hpp"

namespace vnetdiag::fix::repairs {

// network.cpp: the VNet, the integration subnet and its delegation, the endpoint subnet.
extern const Repair kVnet, kIntegrationSubnet, kDelegationElsewhere, kDelegation, kEndpointSubnet;
// plan_tier.cpp: the App Service plan's tier.
extern const Repair kPlanTier;
// dns.cpp: private DNS zones, their VNet links, the endpoints' zone groups (and so A records).
extern const Repair kZone, kZoneLink, kZoneGroupPolicyOwned, kZoneGroup, kRecord;
// estate.cpp: hub-spoke estates: peerings to the VNet the app resolves through, links of
// same-named zones that conflict with the one the app should resolve through, and forwarding
// rulesets to link to the app's VNet.
extern const Repair kPeeringRefused, kPeering, kDuplicateLinkRefused, kDuplicateLinkDelete,
    kRulesetLink;
// endpoints.cpp: private endpoints, approving a pending connection, replacing a rejected one.
extern const Repair kEndpoint, kRegisterProvider, kApprove, kApproveNothingToApprove,
    kReplaceRefused, kReplaceDelete, kReplaceCreate;
// lockdown.cpp: the vault's and account's public access, last.
extern const Repair kVaultLockdown, kAccountLockdown;
// integration.cpp: the site's route-all, and its integration and httpsOnly in one PATCH.
extern const Repair kRegionRefused, kRouteAll, kSite;
// reapply.cpp: a resource ARM left in provisioningState Failed, re-applied before anything else.
extern const Repair kReapply;

}  // namespace vnetdiag::fix::repairs
