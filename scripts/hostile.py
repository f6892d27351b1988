#!/usr/bin/env python3
"""Hostile runs against the sandbox: kill -9 at random moments, two processes on one data folder,
and (as root, optionally) a full disk at many fill levels. Checks that no paid result is lost,
nothing is paid twice, and every command ends.

    cargo build && python3 scripts/hostile.py --bin target/debug/wan-studio --cycles 100
    sudo python3 scripts/hostile.py --bin target/debug/wan-studio --disk-levels 40
"""
import argparse, json, os, random, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from collections import Counter


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(home, base):
    env = {"PATH": os.environ.get("PATH", ""), "WAN_STUDIO_HOME": home, "WAN_STUDIO_POLL_MS": "100",
           "REAPI_BASE_URL": base, "REAPI_API_KEY": "sk-hostile-run"}
    return env


def stats(base):
    with urllib.request.urlopen(base + "stats", timeout=5) as r:
        return json.load(r)


def run(bin_, args, env, timeout=120):
    started = time.time()
    p = subprocess.run([bin_, *args], env=env, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace"), time.time() - started


def history(bin_, env):
    code, out, err, _ = run(bin_, ["history", "--json"], env)
    if code != 0:
        raise SystemExit(f"history failed ({code}): {err}")
    return json.loads(out)


def settle(bin_, env, label):
    """Resume until nothing is left in flight; every resume must end."""
    for attempt in range(5):
        code, _, err, took = run(bin_, ["resume", "--json"], env, timeout=300)
        jobs = history(bin_, env)
        active = [j for j in jobs if j["status"] in ("submitting", "processing", "downloading")]
        if not active:
            return jobs
    raise SystemExit(f"{label}: jobs still in flight after 5 resumes: {[j['id'] for j in active]}")


def check(bin_, env, base, home, label, prompts_sent):
    jobs = settle(bin_, env, label)
    st = stats(base)
    problems = []
    per_prompt = Counter(p for p in st["task_prompts"] if p in prompts_sent)
    twice = [p for p, n in per_prompt.items() if n > 1]
    if twice:
        problems.append(f"paid twice: {twice}")
    tasks = {j["task_id"] for j in jobs if j.get("task_id")}
    created = sum(per_prompt.values())
    if len(tasks) != created:
        problems.append(f"{created} tasks created on the server, {len(tasks)} in the journal")
    for j in jobs:
        if j.get("task_id") and j["status"] != "completed":
            problems.append(f"job {j['id']} has task {j['task_id']} but ended {j['status']}")
        for f in j.get("files", []):
            if not os.path.exists(f):
                problems.append(f"job {j['id']}: result file missing: {f}")
    partials = [os.path.join(d, f) for d, _, fs in os.walk(home) for f in fs if ".partial-" in f]
    if partials:
        problems.append(f"leftover partial files: {partials[:5]}")
    if st["media_requests_with_auth"]:
        problems.append("the key was sent with an image request")
    states = Counter(j["status"] for j in jobs)
    print(f"{label}: {len(jobs)} jobs {dict(states)}; {st['submits_received']} submits received, "
          f"{created} tasks created, {len(tasks)} task ids journalled")
    return problems


def kill_cycles(bin_, cycles, seed):
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="wan-hostile-")
    home, sbhome = os.path.join(work, "home"), os.path.join(work, "sandbox")
    port = free_port()
    sandbox = subprocess.Popen([bin_, "sandbox", "--port", str(port), "--delay-ms", "700"],
                               env={"PATH": os.environ.get("PATH", ""), "WAN_STUDIO_HOME": sbhome},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    for _ in range(50):
        try:
            stats(base)
            break
        except OSError:
            time.sleep(0.1)
    env = env_for(home, base)
    prompts = set()
    try:
        for i in range(cycles):
            prompt = f"hostile cycle {i} a lighthouse"
            prompts.add(prompt)
            n = str(rng.randint(1, 3))
            gen = subprocess.Popen([bin_, "generate", "--prompt", prompt, "-n", n], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Every fourth cycle a second process resumes on the same folder at the same time.
            other = None
            if i % 4 == 3:
                other = subprocess.Popen([bin_, "resume"], env=env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, 2.5))
            for p in (gen, other):
                if p is not None and p.poll() is None:
                    p.send_signal(signal.SIGKILL)
                if p is not None:
                    p.wait()
        return check(bin_, env, base, home, f"kill -9 x{cycles}", prompts)
    finally:
        sandbox.send_signal(signal.SIGKILL)
        sandbox.wait()
        shutil.rmtree(work, ignore_errors=True)


def disk_levels(bin_, levels, max_kib=None):
    """A small tmpfs as the data folder, filled to a different level before each generate."""
    work = tempfile.mkdtemp(prefix="wan-disk-")
    mnt = os.path.join(work, "mnt")
    os.makedirs(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt], check=True)
    port = free_port()
    sandbox = subprocess.Popen([bin_, "sandbox", "--port", str(port), "--delay-ms", "200"],
                               env={"PATH": os.environ.get("PATH", ""),
                                    "WAN_STUDIO_HOME": os.path.join(work, "sb")},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    time.sleep(1)
    problems, exits = [], Counter()
    try:
        for level in range(levels):
            home = os.path.join(mnt, "home")
            shutil.rmtree(home, ignore_errors=True)
            filler = os.path.join(mnt, "filler")
            if os.path.exists(filler):
                os.remove(filler)
            env = env_for(home, base)
            # The app has run here before (journal and disk reserve made), then the disk fills.
            run(bin_, ["resume"], env)
            st = os.statvfs(mnt)
            free = st.f_bavail * st.f_frsize
            span = free if max_kib is None else min(free, max_kib * 1024)
            leave = int(span * level / levels)
            with open(filler, "wb") as f:
                f.write(b"\0" * max(0, free - leave))
            prompt = f"disk level {level}"
            try:
                code, _, err, took = run(bin_, ["generate", "--prompt", prompt, "-n", "2"], env, timeout=90)
            except subprocess.TimeoutExpired:
                problems.append(f"level {level}: generate never ended")
                continue
            exits[code] += 1
            os.remove(filler)
            problems += check(bin_, env, base, home, f"disk level {level} ({leave} bytes free, exit {code})",
                              {prompt})
    finally:
        sandbox.send_signal(signal.SIGKILL)
        sandbox.wait()
        subprocess.run(["umount", mnt])
        shutil.rmtree(work, ignore_errors=True)
    print(f"disk levels: exit codes {dict(exits)}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/debug/wan-studio")
    ap.add_argument("--cycles", type=int, default=100)
    ap.add_argument("--disk-levels", type=int, default=0)
    ap.add_argument("--disk-max-kib", type=int, default=None,
                    help="spread the fill levels over 0..this many KiB free (default: the whole disk)")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    problems = []
    if a.cycles:
        problems += kill_cycles(a.bin, a.cycles, a.seed)
    if a.disk_levels:
        problems += disk_levels(a.bin, a.disk_levels, a.disk_max_kib)
    for p in problems:
        print("PROBLEM:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
