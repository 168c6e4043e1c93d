#!/usr/bin/python3
"""packaging/appservice/startup.sh with the environment App Service gives a container: it keeps
'serve' running (restarted after a kill, with doubling backoff, logged to the instance's
vnetdiag_*.log) and hands over to the app with exec, so the app's PID is the script's PID;
when the app is gone the supervisor ends too. First with a stand-in for serve
(VNETDIAG_SERVE_CMD), which makes the supervision exact; then with the real 'vnetdiag serve'
of the build tree, asked over HTTP, when that binary has the command.
Usage: startup_test.py BUILD_TREE_VNETDIAG"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "tests", "pylib"))
from vnetdiag_testlib import packaging as pkg  # noqa: E402

vnetdiag = sys.argv[1]
STARTUP = os.path.join(pkg.PACKAGING, "appservice", "startup.sh")
tally = pkg.Tally("startup_test")
work = tempfile.mkdtemp(prefix="vnetdiag-startup-test-")

# What App Service puts in a Linux container's environment (reference-app-settings).
APP_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": work,
    "WEBSITE_SITE_NAME": "contoso-app",
    "WEBSITE_RESOURCE_GROUP": "contoso-rg",
    "WEBSITE_OWNER_NAME": "00000000-0000-0000-0000-000000000000+contoso-rg-EastUS2webspace-Linux",
    "WEBSITE_INSTANCE_ID": "4f1e9a0b" * 8,
    "WEBSITE_HOSTNAME": "contoso-app.azurewebsites.net",
    "WEBSITE_SKU": "PremiumV3",
    "REGION_NAME": "East US 2",
    "COMPUTERNAME": "10-30-0-24",
    "PORT": "8080",
}

# The app: writes its PID and waits (SIGTERM ends it like App Service's stop).
APP = os.path.join(work, "app.py")
with open(APP, "w") as f:
    f.write("import os, sys, time\nopen(sys.argv[1], 'w').write(str(os.getpid()))\ntime.sleep(120)\n")
# The stand-in for serve: appends its PID and the site name it sees, then waits.
STANDIN = os.path.join(work, "standin.py")
with open(STANDIN, "w") as f:
    f.write("import os, sys, time\nwith open(sys.argv[1], 'a') as f:\n"
            "    f.write(f\"{os.getpid()} {os.environ.get('WEBSITE_SITE_NAME')}\\n\")\ntime.sleep(120)\n")


def wait_for(predicate, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(") ", 1)[1][0] not in "ZX"
    except (OSError, IndexError):
        return False


def start(env, app_pid_file, *extra_args):
    return subprocess.Popen(["sh", STARTUP, sys.executable, APP, app_pid_file, *extra_args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


# --- no app command: a clear error --------------------------------------------------------
p = subprocess.run(["sh", STARTUP], env=APP_ENV, capture_output=True, text=True, timeout=10)
tally.check("without the app's start command it says what to give and exits 2",
            p.returncode == 2 and "start command" in p.stderr, p.stderr)

# --- the supervision, with a stand-in -------------------------------------------------------
logs = os.path.join(work, "LogFiles")
state = os.path.join(work, "standin.state")
app_pid_file = os.path.join(work, "app.pid")
env = dict(APP_ENV, VNETDIAG_LOG_DIR=logs, VNETDIAG_SERVE_CMD=f"{sys.executable} {STANDIN} {state}",
           VNETDIAG_RESTART_DELAY_MIN="1", VNETDIAG_RESTART_DELAY_MAX="2")
proc = start(env, app_pid_file)
app_pid = wait_for(lambda: read(app_pid_file).strip(), 10)
tally.check("the app runs with the script's PID (exec)", app_pid == str(proc.pid), f"app {app_pid}, script {proc.pid}")
tally.check("the app's command line is the app's, not the script's",
            APP in read(f"/proc/{proc.pid}/cmdline").replace("\0", " ") and
            STARTUP not in read(f"/proc/{proc.pid}/cmdline"))


def standins():
    return [line.split() for line in read(state).splitlines()]


first = wait_for(lambda: standins(), 10)
tally.check("serve (the stand-in) started in the background", len(first) == 1, str(first))
tally.check("it sees App Service's environment", bool(first) and first[0][1] == "contoso-app", str(first))
log = os.path.join(logs, "vnetdiag_10-30-0-24.log")
pid_file = os.path.join(logs, "vnetdiag_10-30-0-24.pid")
tally.check("it logs to LogFiles/vnetdiag_<instance>.log", "serve started" in read(log), read(log))
tally.check("the pid file names it", bool(first) and read(pid_file).strip() == first[0][0], read(pid_file))

t_kill = time.monotonic()
os.kill(int(first[0][0]), signal.SIGKILL)
second = wait_for(lambda: len(standins()) >= 2 and standins(), 10)
restart_s = time.monotonic() - t_kill
tally.check(f"killed, it is started again ({restart_s:.1f} s)", bool(second) and len(second) == 2, str(second))
tally.check("the log says how it died and when it restarts",
            "exited with status 137" in read(log) and "restarting in 1s" in read(log), read(log))
os.kill(int(second[1][0]), signal.SIGKILL)
third = wait_for(lambda: len(standins()) >= 3 and standins(), 10)
tally.check("a second quick death doubles the delay", bool(third) and "restarting in 2s" in read(log), read(log))
os.kill(int(third[2][0]), signal.SIGKILL)
fourth = wait_for(lambda: len(standins()) >= 4 and standins(), 10)
tally.check("the delay stops at VNETDIAG_RESTART_DELAY_MAX",
            bool(fourth) and read(log).count("restarting in 2s") == 2 and "restarting in 4s" not in read(log), read(log))
tally.check("the app kept running meanwhile", alive(proc.pid))

# The app stops: the supervisor stops serve and ends, nothing is left restarting.
last = int(standins()[-1][0])
os.kill(proc.pid, signal.SIGTERM)
proc.wait(timeout=10)
gone = wait_for(lambda: not alive(last), 10)
time.sleep(2.5)
tally.check("when the app is gone, serve is stopped and not restarted", gone and len(standins()) == 4,
            str(standins()))
stop(proc)

# --- VNETDIAG_SERVE=0 switches it off --------------------------------------------------------
state_off = os.path.join(work, "off.state")
env_off = dict(env, VNETDIAG_SERVE="0", VNETDIAG_SERVE_CMD=f"{sys.executable} {STANDIN} {state_off}")
app_pid_off = os.path.join(work, "app-off.pid")
proc = start(env_off, app_pid_off)
wait_for(lambda: read(app_pid_off), 10)
time.sleep(1)
tally.check("VNETDIAG_SERVE=0 starts only the app", read(app_pid_off).strip() == str(proc.pid) and not read(state_off))
stop(proc)

# --- the real serve --------------------------------------------------------------------------
has_serve = subprocess.run([vnetdiag, "serve", "--help"], capture_output=True).returncode == 0
if not has_serve:
    print("note: this vnetdiag has no 'serve' yet: only the stand-in was supervised")
else:
    peers = pkg.Peers()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    # Every query goes to the loopback responder; ARM is not read (no credentials anyway).
    serve_args = (f"--interval 2 --resolv-conf /dev/null --proc-environ /dev/null --no-arm "
                  f"--dns-server 127.0.0.1:{peers.dns_port} --azure-dns-server 127.0.0.1:{peers.dns_port} "
                  f"--target {peers.target('healthy')} --ca-bundle {peers.ca_file}")
    logs_real = os.path.join(work, "LogFilesReal")
    env_real = dict(APP_ENV, VNETDIAG_LOG_DIR=logs_real, VNETDIAG_BIN=vnetdiag, VNETDIAG_LISTEN=f"127.0.0.1:{port}",
                    VNETDIAG_SERVE_ARGS=serve_args, VNETDIAG_RESTART_DELAY_MIN="1")
    app_pid_real = os.path.join(work, "app-real.pid")
    proc = start(env_real, app_pid_real)

    def livez():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=2) as r:
                return r.status
        except OSError:
            return None

    def report():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/report", timeout=2) as r:
                return r.read().decode()
        except OSError as e:
            return getattr(e, "read", lambda: b"")().decode() if hasattr(e, "read") else ""

    tally.check("vnetdiag serve answers /livez on VNETDIAG_LISTEN", wait_for(livez, 15) == 200)
    tally.check("the app runs with the script's PID", wait_for(lambda: read(app_pid_real).strip(), 5) == str(proc.pid))
    serve_pid = read(os.path.join(logs_real, "vnetdiag_10-30-0-24.pid")).strip()
    tally.check("its report names the loopback target", "healthy.test" in wait_for(
        lambda: "healthy.test" in report() and report(), 15))
    if serve_pid:
        os.kill(int(serve_pid), signal.SIGKILL)
        wait_for(lambda: not alive(int(serve_pid)), 5)
        new_pid = wait_for(lambda: (read(os.path.join(logs_real, "vnetdiag_10-30-0-24.pid")).strip()
                                    not in ("", serve_pid)) and livez() == 200, 15)
        tally.check("killed, serve is restarted and answers again", bool(new_pid),
                    read(os.path.join(logs_real, "vnetdiag_10-30-0-24.log"))[-1500:])
    tally.check("serve's own output goes to the log", '"verdict"' in read(os.path.join(logs_real, "vnetdiag_10-30-0-24.log")))
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)
    tally.check("when the app stops, serve stops too", wait_for(lambda: livez() is None, 10))
    stop(proc)

pkg.bash('roots_rm "$1"', work)
tally.finish()
