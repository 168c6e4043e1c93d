"""Microsoft.Authorization in the twin: Permissions_ListForResourceGroup (2022-04-01; also
2018-07-01, 2015-07-01), the caller's actions and notActions at a resource group, one entry per
role assignment that covers it -- what `vnetdiag fix` asks before it writes. The role
assignments themselves are the twin's (identity.Roles, set through /_twin/roles); no swagger
file is loaded, and the namespace is not one ARM paths may otherwise use (management locks,
`…/providers/Microsoft.Authorization/locks`, are rp_ownership.py's)."""
from core import Provider, Response


class AuthorizationRP:
    def route_permissions(self, req, sub, s, low):
        if len(s) == 7 and low[2] == "resourcegroups" and low[4] == "providers" \
                and low[5] == "microsoft.authorization" and low[6] == "permissions":
            self.require_group(sub, s[3])
            return self.permissions(req, "/" + "/".join(s[:4]))
        return None

    def permissions(self, req, scope):
        self.need_version(req, ("2022-04-01", "2018-07-01", "2015-07-01"))
        authz = getattr(self, "authorizer", None)
        p = req.principal
        value = []
        if authz is not None and p is not None:
            for a in authz.twin.roles.assignments:
                if a["principal"] == p.object_id and (scope.lower() + "/").startswith(a["scope"].lower().rstrip("/") + "/"):
                    value.append({"actions": a["actions"], "notActions": a["not_actions"],
                                  "dataActions": [], "notDataActions": []})
        return Response(200, {"value": value})


PROVIDER = Provider("authorization", AuthorizationRP, routes=("route_permissions",))
