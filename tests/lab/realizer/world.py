"""World description: load, validate, fill in defaults.

A world states what Azure looks like from the app's VNet: private DNS zones and their links,
services with their public access setting and private endpoint, where the app runs (VNet
integration, route-all, its DNS servers) and an optional custom DNS server in the VNet. The ARM
twin will produce the same format. See tests/lab/README.md for the field list.
"""
import ipaddress
import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    suffix: str          # public name suffix: NAME.<suffix>
    private_zone: str    # privatelink zone the public name is aliased into
    front: str           # public front name every NAME resolves to without a private endpoint
    front_address: str   # address of that front in the "internet" namespace


KINDS = {
    "vault": Kind("vault.azure.net", "privatelink.vaultcore.azure.net",
                  "data-prod-weu.vaultcore.azure.net", "203.0.113.10"),
    "cognitive": Kind("cognitiveservices.azure.com", "privatelink.cognitiveservices.azure.com",
                      "westeurope.api.cognitive.microsoft.com", "203.0.113.11"),
}

DNS_SERVER_ADDRESS = "10.0.2.53"         # Azure DNS as seen from the VNet
CUSTOM_DNS_ADDRESS = "10.0.2.54"         # the VNet's own ("custom") DNS server
APP_SUBNET = ipaddress.ip_network("10.0.0.0/24")
# Private endpoints may sit in RFC1918 10/8 or, as Azure allows, in the shared 100.64/10 range
# (which enters the VNet only with route-all on).
ENDPOINT_RANGES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("100.64.0.0/10"))
# IPv6 (preview in Azure): a private endpoint may also hold a unique-local address. The app's
# IPv6 subnet (its eth0 and the VNet side of the link) is not for endpoints.
ENDPOINT_RANGE6 = ipaddress.ip_network("fd00::/8")
APP_SUBNET6 = ipaddress.ip_network("fd00::/64")

DNS_STATES = ("up", "down", "drop")
# Which server plays Azure DNS (10.0.2.53); each answers the tutorial's chain as far as it can.
DNS_SOFTWARE = ("unbound", "bind9", "dnsmasq")
PUBLIC_TTL_DEFAULT = 300   # TTL of the public fronts' A records (Azure's public answers use minutes)
DNS_SERVERS = (DNS_SERVER_ADDRESS, CUSTOM_DNS_ADDRESS)
ACCESS = ("Enabled", "Disabled")
CONNECTIONS = ("Approved", "Pending")
PORTS = ("listen", "drop", "refuse")
CERTIFICATES = ("valid", "wrong-name", "untrusted", "expiring")

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class WorldError(ValueError):
    pass


def _check_keys(obj, where, required, optional=()):
    if not isinstance(obj, dict):
        raise WorldError(f"{where}: expected an object")
    unknown = set(obj) - set(required) - set(optional)
    if unknown:
        raise WorldError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for key in required:
        if key not in obj:
            raise WorldError(f"{where}: missing '{key}'")


def _choice(obj, key, choices, where, default):
    value = obj.get(key, default)
    if value not in choices:
        raise WorldError(f"{where}.{key}: '{value}' is not one of {', '.join(choices)}")
    return value


def _ipv4(text, where):
    try:
        return ipaddress.IPv4Address(text)
    except (ipaddress.AddressValueError, TypeError):
        raise WorldError(f"{where}: '{text}' is not an IPv4 address") from None


def _ipv6(text, where):
    try:
        address = ipaddress.IPv6Address(text)
    except (ipaddress.AddressValueError, TypeError):
        raise WorldError(f"{where}: '{text}' is not an IPv6 address") from None
    if address.scope_id or address.ipv4_mapped:
        raise WorldError(f"{where}: '{text}' is not a plain IPv6 address (no scope, not IPv4-mapped)")
    return address


def _ip(text, where):
    """An IPv4 or IPv6 address (zone records hold both: A and AAAA)."""
    if isinstance(text, str) and ":" in text:
        return _ipv6(text, where)
    try:
        return ipaddress.IPv4Address(text)
    except (ipaddress.AddressValueError, TypeError):
        raise WorldError(f"{where}: '{text}' is not an IPv4 or IPv6 address") from None


def _dns_name(text, where):
    labels = text.lower().rstrip(".").split(".") if isinstance(text, str) else [""]
    if not all(_LABEL.match(label) for label in labels):
        raise WorldError(f"{where}: '{text}' is not a DNS name")
    return ".".join(labels)


def _zones(raw):
    zones = {}
    for name, zone in raw.items():
        where = f"zones.{name}"
        zname = _dns_name(name, where)
        _check_keys(zone, where, (), ("linked", "records"))
        linked = zone.get("linked", True)
        if not isinstance(linked, bool):
            raise WorldError(f"{where}.linked: expected true or false")
        records = {}
        for label, value in zone.get("records", {}).items():
            rwhere = f"{where}.records.{label}"
            values = value if isinstance(value, list) else [value]
            if not values:
                raise WorldError(f"{rwhere}: empty address list")
            records[_dns_name(label, rwhere)] = [str(_ip(v, rwhere)) for v in values]
        zones[zname] = {"linked": linked, "records": records}
    return zones


def _endpoint(raw, where):
    if raw is None:
        return None
    _check_keys(raw, where, ("address",), ("connection", "port", "certificate", "address6", "port6"))
    address = _ipv4(raw["address"], f"{where}.address")
    if (not any(address in r for r in ENDPOINT_RANGES) or address in APP_SUBNET
            or str(address) in DNS_SERVERS):
        raise WorldError(f"{where}.address: {address} must be in 10.0.0.0/8 or 100.64.0.0/10, "
                         f"outside the app subnet 10.0.0.0/24 and not a DNS server "
                         f"({' or '.join(DNS_SERVERS)})")
    address6 = port6 = None
    if "address6" in raw:
        address6 = _ipv6(raw["address6"], f"{where}.address6")
        if address6 not in ENDPOINT_RANGE6 or address6 in APP_SUBNET6:
            raise WorldError(f"{where}.address6: {address6} must be in {ENDPOINT_RANGE6} (unique local), "
                             f"outside the app's IPv6 subnet {APP_SUBNET6}")
        port6 = _choice(raw, "port6", PORTS, where, "listen")
    elif "port6" in raw:
        raise WorldError(f"{where}.port6: needs address6")
    return {
        "address": str(address),
        "connection": _choice(raw, "connection", CONNECTIONS, where, "Approved"),
        "port": _choice(raw, "port", PORTS, where, "listen"),
        "certificate": _choice(raw, "certificate", CERTIFICATES, where, "valid"),
        "address6": str(address6) if address6 else None,   # None: IPv4 only
        "port6": port6,                                     # None without address6
    }


def _services(raw):
    if not isinstance(raw, list):
        raise WorldError("services: expected a list")
    services, seen, addresses = [], set(), set()
    for i, svc in enumerate(raw):
        where = f"services[{i}]"
        _check_keys(svc, where, ("kind", "name"), ("public_network_access", "private_endpoint"))
        kind = _choice(svc, "kind", tuple(KINDS), where, None)
        name = svc["name"]
        if not isinstance(name, str) or not _LABEL.match(name):
            raise WorldError(f"{where}.name: '{name}' is not a valid resource name")
        if (kind, name) in seen:
            raise WorldError(f"{where}: {kind} '{name}' appears twice")
        seen.add((kind, name))
        endpoint = _endpoint(svc.get("private_endpoint"), f"{where}.private_endpoint")
        if endpoint:
            for key in ("address", "address6"):
                if endpoint[key] is None:
                    continue
                if endpoint[key] in addresses:
                    raise WorldError(f"{where}.private_endpoint.{key}: {endpoint[key]} is used twice")
                addresses.add(endpoint[key])
        services.append({
            "kind": kind,
            "name": name,
            "public_network_access": _choice(svc, "public_network_access", ACCESS, where, "Enabled"),
            "private_endpoint": endpoint,
        })
    return services


def _bool(obj, key, where, default):
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise WorldError(f"{where}.{key}: expected true or false")
    return value


def _custom_dns(raw):
    """The VNet's custom DNS server at CUSTOM_DNS_ADDRESS, or None when the world has none."""
    if raw is None:
        return None
    _check_keys(raw, "custom_dns", (), ("state", "forwards_privatelink"))
    return {
        "state": _choice(raw, "state", DNS_STATES, "custom_dns", "up"),
        "forwards_privatelink": _bool(raw, "forwards_privatelink", "custom_dns", True),
    }


def _app(raw, custom_dns):
    """Where the app runs: VNet integration, route-all, the servers in its resolv.conf."""
    _check_keys(raw, "app", (), ("integrated", "route_all", "dns_servers"))
    servers = raw.get("dns_servers", [DNS_SERVER_ADDRESS])
    if not isinstance(servers, list) or not servers:
        raise WorldError("app.dns_servers: expected a non-empty list of addresses")
    for i, server in enumerate(servers):
        if server not in DNS_SERVERS:
            raise WorldError(f"app.dns_servers[{i}]: '{server}' is not one of {', '.join(DNS_SERVERS)}")
        if server == CUSTOM_DNS_ADDRESS and custom_dns is None:
            raise WorldError(f"app.dns_servers[{i}]: {CUSTOM_DNS_ADDRESS} needs a custom_dns section")
    if len(set(servers)) != len(servers):
        raise WorldError("app.dns_servers: an address appears twice")
    return {
        "integrated": _bool(raw, "integrated", "app", True),
        "route_all": _bool(raw, "route_all", "app", False),
        "dns_servers": list(servers),
    }


def parse(text, origin):
    """Parse and validate a world; return it normalised (every optional field filled in)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise WorldError(f"{origin}: not JSON: {e}") from None
    try:
        _check_keys(raw, "world", ("description",),
                    ("delay_ms", "dns", "zones", "services", "app", "custom_dns"))
        if not isinstance(raw["description"], str) or not raw["description"].strip():
            raise WorldError("description: expected a non-empty string")
        delay = raw.get("delay_ms")
        if delay is not None and (not isinstance(delay, int) or isinstance(delay, bool)
                                  or not 0 <= delay <= 10000):
            raise WorldError("delay_ms: expected an integer from 0 to 10000")
        dns = raw.get("dns", {})
        _check_keys(dns, "dns", (), ("server", "software", "public_ttl"))
        public_ttl = dns.get("public_ttl", PUBLIC_TTL_DEFAULT)
        if not isinstance(public_ttl, int) or isinstance(public_ttl, bool) or not 1 <= public_ttl <= 86400:
            raise WorldError("dns.public_ttl: expected an integer number of seconds from 1 to 86400")
        zones = raw.get("zones", {})
        if not isinstance(zones, dict):
            raise WorldError("zones: expected an object")
        custom_dns = _custom_dns(raw.get("custom_dns"))
        return {
            "description": raw["description"].strip(),
            "delay_ms": delay,
            "dns_server": _choice(dns, "server", DNS_STATES, "dns", "up"),
            "dns_software": _choice(dns, "software", DNS_SOFTWARE, "dns", "unbound"),
            "public_ttl": public_ttl,
            "zones": _zones(zones),
            "services": _services(raw.get("services", [])),
            "app": _app(raw.get("app", {}), custom_dns),
            "custom_dns": custom_dns,
        }
    except WorldError as e:
        raise WorldError(f"{origin}: {e}") from None
