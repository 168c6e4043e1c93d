"""Long-running operations, the generic part: operations with their monitor URLs, Retry-After,
finishing on time (or Failed with an lro_fail fault), 409 while one runs, and the status and
Location monitors. Each provider says how its monitors look (core.LroStyle in its
registration); this mixin of Arm knows no provider."""
import time
import uuid

from core import ArmError, Op, Response, iso, norm_loc, parse_id, top_level


class LroMixin:
    def start_op(self, style, req, rid, *, on_success=None, on_failure=None, final=None,
                 fail_with=None, location=None):
        p = parse_id(rid)
        opid = str(uuid.uuid4())
        loc = norm_loc(location or self.default_location)
        op = Op(opid, style, req.method, rid, req.api_version, loc, p["sub"], p["rg"])
        op.on_success, op.on_failure, op.final = on_success, on_failure, final
        sub = p["sub"]
        op.async_path, op.location_path = self.lro_styles[style].monitors(sub, p["rg"], loc, opid, rid)
        self.ops[opid] = op
        self.op_paths[op.async_path.lower()] = (opid, "async")
        self.op_paths[op.location_path.lower()] = (opid, "location")
        if fail_with is None and self.faults is not None and req.principal is not None:
            f = self.faults.take(("lro_fail",), req.method, req.path, req.op_key)
            if f:
                fail_with = (f.get("status", 500), f.get("code", "InternalServerError"),
                             f.get("message", "The operation failed (fault injected by the ARM twin)."))
        op.fail_with = fail_with
        duration = 0.0 if req.instant else self.config["lro_seconds"]
        op.due = op.start + duration
        if duration <= 0:
            self.finish(op)
        return op

    def op_url(self, req, path, version=None):
        return f"{req.base_url}{path}?api-version={version or req.api_version}"

    def lro_headers(self, req, op, *, location=False, asyncop=True):
        h = {}
        if asyncop:
            h["Azure-AsyncOperation"] = self.op_url(req, op.async_path)
        if location:
            h["Location"] = self.op_url(req, op.location_path)
        h["Retry-After"] = str(self.config["retry_after"])
        if self.lro_styles[op.style].notification:
            h["azure-asyncnotification"] = "Enabled"
        return h

    def finish(self, op):
        if op.status != "InProgress":
            return
        op.ended_at = iso()
        if op.fail_with:
            op.status = "Failed"
            op.error_status, code, message = op.fail_with
            op.error = {"code": code, "message": message}
            if op.on_failure:
                op.on_failure()
        else:
            op.status = "Succeeded"
            if op.on_success:
                op.on_success()
        self.touch()

    def tick(self):
        now = time.monotonic()
        for op in list(self.ops.values()):
            if op.status == "InProgress" and op.due <= now:
                self.finish(op)

    def next_due(self):
        due = [op.due for op in self.ops.values() if op.status == "InProgress"]
        return min(due) if due else None

    def busy(self, rid):
        """The operation in progress on this resource's top-level resource, if any."""
        top = top_level(rid)
        for op in self.ops.values():
            if op.status == "InProgress" and top_level(op.rid) == top:
                return op
        return None

    def check_busy(self, req, rid):
        op = self.busy(rid)
        if op is not None:
            raise ArmError(409, "AnotherOperationInProgress",
                           f"Another operation on this or dependent resource is in progress. To retrieve "
                           f"status of the operation use uri: {self.op_url(req, op.async_path, op.api_version)}.",
                           details=[])

    def op_status(self, req, opid, kind):
        op = self.ops[opid]
        op.polls += 1
        h = {}
        if op.status == "InProgress":
            h["Retry-After"] = str(self.config["retry_after"])
        if kind == "async":
            body = {"id": op.async_path, "name": op.id, "status": op.status, "startTime": op.started_at}
            if op.ended_at:
                body["endTime"] = op.ended_at
            if op.error:
                body["error"] = op.error
            running_202 = self.lro_styles[op.style].async_202_while_running and op.status == "InProgress"
            status = 202 if running_202 else 200
            if running_202:
                h["Azure-AsyncOperation"] = self.op_url(req, op.async_path, op.api_version)
                h["Location"] = self.op_url(req, op.location_path, op.api_version)
            return Response(status, body, h)
        if op.status == "InProgress":
            h["Location"] = self.op_url(req, op.location_path, op.api_version)
            return Response(202, None, h)
        if op.status == "Failed":
            return Response(op.error_status, {"error": op.error}, h, error_code=op.error["code"])
        if op.final:
            status, body = op.final()
            return Response(status, body, h)
        return Response(204 if op.method == "DELETE" else 200, None, h)
