"""The registry of resource providers the twin serves: one module each (rp_*.py: a mixin of Arm
and its `PROVIDER = core.Provider(...)`), listed here once. Adding a provider is one module and
one line in PROVIDERS; arm.Arm mixes them in, and routing, rendering, long-running operations,
namespaces and the swagger files to load all come from these registrations."""
import rp_authorization
import rp_dnsresolver
import rp_network_endpoints
import rp_network_policies
import rp_network_vnet
import rp_ownership
import rp_policy
import rp_privatedns
import rp_resourcegraph
import rp_resources
import rp_targets
import rp_web
import rp_web_integration
import rp_web_kvrefs

# Order matters only for `routes` (asked in this order) and for method lookup (first wins).
PROVIDERS = (
    rp_policy.PROVIDER,             # Azure Policy (hand-modelled): first, as its deny stops a write before any provider
    rp_resources.PROVIDER,          # Microsoft.Resources: subscription, resource groups, provider registrations
    rp_authorization.PROVIDER,      # Microsoft.Authorization: permissions
    rp_ownership.PROVIDER,          # management locks (any scope, enforced) and deployment history (hand-modelled)
    rp_network_vnet.PROVIDER,       # Microsoft.Network: virtual networks, subnets
    rp_network_endpoints.PROVIDER,  # Microsoft.Network: private endpoints, zone groups, NICs
    rp_network_policies.PROVIDER,   # Microsoft.Network: NSGs, route tables, VNet peerings
    rp_privatedns.PROVIDER,         # Microsoft.Network: private DNS zones, links, record sets
    rp_dnsresolver.PROVIDER,        # Microsoft.Network: DNS Private Resolver, forwarding rulesets (hand-modelled)
    rp_resourcegraph.PROVIDER,      # Microsoft.ResourceGraph: the KQL subset the reader sends (hand-modelled)
    rp_targets.PROVIDER,            # Microsoft.KeyVault, Microsoft.CognitiveServices: the private-link targets
    rp_web.PROVIDER,                # Microsoft.Web: plans, sites
    rp_web_integration.PROVIDER,    # Microsoft.Web: VNet integration, config/web, app settings
    rp_web_kvrefs.PROVIDER,         # Microsoft.Web: Key Vault reference status, outboundVnetRouting fact
)


def namespaces():
    """lower-case namespace -> canonical spelling."""
    return {ns.lower(): ns for p in PROVIDERS for ns in p.namespaces}


def spec_files():
    """{spec: (api-version, [files])}, the files of one spec merged across its providers."""
    out = {}
    for p in PROVIDERS:
        for spec, (version, files) in p.specs.items():
            have = out.setdefault(spec, (version, []))
            if have[0] != version:
                raise ValueError(f"{p.name}: spec {spec} at {version}, another provider has {have[0]}")
            have[1].extend(f for f in files if f not in have[1])
    return out


def merged(attr):
    out = {}
    for p in PROVIDERS:
        for k, v in getattr(p, attr).items():
            if k in out:
                raise ValueError(f"{p.name}: {attr} {k!r} registered twice")
            out[k] = v
    return out
