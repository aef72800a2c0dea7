import Foundation
import Testing

/// The launchers of `cluster/` as users run them, with the built binaries, on loopback. Each launcher
/// leads its own process group (`ProcessGroup`), which everything it starts joins: the group is killed,
/// by the launcher's pid, when a test ends or times out.
@Suite(.serialized)
struct LauncherTests {
    /// One launcher run: its exit status and its stderr.
    struct Outcome {
        var status: Int32
        var stderr: String
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `cluster/script arguments…` in the cluster's directory with the test's binaries, with the
    /// `environment` settings (`NAME=value`, through env) added; `whileRunning` may act on the running
    /// launcher's group.
    func launch(_ script: String, _ arguments: [String], in cluster: LocalCluster, environment: [String] = [], timeout: Double = 120,
                whileRunning: (ProcessGroup) -> Void = { _ in }) throws -> Outcome {
        let bin = try ProcessRunner.binary("bfpo-coordinator").deletingLastPathComponent().path
        let stderrPath = cluster.path("\(script).stderr")
        let command = [Self.repository.appendingPathComponent("cluster/\(script)").path] + arguments + ["--bin", bin]
        let group = try ProcessGroup("/usr/bin/env", environment + command, directory: cluster.directory.path, stderrPath: stderrPath)
        whileRunning(group)
        let status = group.wait(timeout: timeout)
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        guard let status else {
            Issue.record("\(script) did not finish within \(timeout) s; its stderr:\n\(stderr)")
            return Outcome(status: -1, stderr: stderr)
        }
        return Outcome(status: status, stderr: stderr)
    }

    func latestCheckpoint(_ cluster: LocalCluster) -> String? {
        try? String(contentsOfFile: cluster.path("run/checkpoints/latest"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The shards and endpoint the coordinator's log says the server `name` serves ("NAME (server ID)
    /// serves shards A..<B at ENDPOINT"), once per line that says so.
    func servedShards(_ coordinator: String, by name: String) -> [(shards: String, endpoint: String)] {
        coordinator.split(separator: "\n").compactMap { line in
            guard line.contains("] \(name) (server "), let range = line.range(of: " serves shards ") else { return nil }
            let words = line[range.upperBound...].split(separator: " ")
            guard words.count == 3, words[1] == "at" else { return nil }
            return (String(words[0]), String(words[2]))
        }
    }

    /// The names in the run's allowlist, sorted.
    func admitted(_ cluster: LocalCluster) -> [String] {
        let text = (try? String(contentsOfFile: cluster.path("run/keys/allowed_keys"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: " ").last.map(String.init) }.sorted()
    }

    /// A server's log ends with the coordinator's Stop at the end of training: it was not ended by the
    /// launcher, 15 s after the coordinator.
    func expectStoppedAtTheEnd(_ log: String, _ name: String) {
        #expect(log.split(separator: "\n").last?.contains("[\(name)] stopping: training finished") == true, "\(name): \(log)")
    }

    /// Without --port, local.sh takes 5555, or another port when 5555 is taken: here by a listener of the
    /// test's own (or by whoever already listens there).
    @Test func localLauncherTrainsWithTwoWorkersOnAFreePortAndSaysWhereTheResultsAre() throws {
        let cluster = try LocalCluster(recipe: ["workers_expected": "2"])
        let listener = Self.holdPort(5555)
        defer { if let listener { close(listener) } }
        let outcome = try launch("local.sh", ["--workers", "2", "--recipe", "recipe.yaml", "--run-dir", "run"], in: cluster)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let prefix = "local.sh: port 5555 is taken; the coordinator listens on port "
        let notice = outcome.stderr.split(separator: "\n").first { $0.hasPrefix(prefix) }
        let port = notice.flatMap { Int($0.dropFirst(prefix.count).prefix { $0.isNumber }) }
        #expect(port.map { $0 >= 20_000 && $0 < 32_768 } == true, "\(outcome.stderr)")
        if let port {
            #expect(cluster.log("run/logs/coordinator").contains("listening on tcp://127.0.0.1:\(port)"), "\(cluster.log("run/logs/coordinator"))")
        }
        #expect(outcome.stderr.contains("local.sh: done. Metrics: run/metrics.jsonl; checkpoints: run/checkpoints (latest: step-0000012); logs: run/logs"),
                "\(outcome.stderr)")
        #expect(cluster.metricsLines().count == 12)
        let coordinator = cluster.log("run/logs/coordinator")
        #expect(coordinator.contains("worker-1 (worker ") && coordinator.contains("worker-2 (worker "), "\(coordinator)")
        #expect(coordinator.contains("(CurveZMQ)") && admitted(cluster) == ["worker-1", "worker-2"], "\(coordinator)")
        for worker in ["worker-1", "worker-2"] {
            let log = cluster.log("run/logs/\(worker)")
            #expect(log.contains("stopping: training finished"), "\(worker): \(log)")
            #expect(log.contains("worker summary: "), "\(worker): \(log)")
        }
    }

    /// 3 shards over 2 servers, each on a loopback port local.sh found free: each server owns a
    /// contiguous block, the coordinator none, and the workers pull from and push to the servers.
    @Test func localLauncherStartsShardServersThatServeEveryShard() throws {
        let cluster = try LocalCluster(recipe: ["workers_expected": "2"])
        let outcome = try launch("local.sh", ["--workers", "2", "--servers", "2", "--recipe", "recipe.yaml", "--run-dir", "run",
                                              "--port", "\(cluster.port)"], in: cluster)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("local.sh: done. Metrics: run/metrics.jsonl; checkpoints: run/checkpoints (latest: step-0000012); logs: run/logs"),
                "\(outcome.stderr)")
        #expect(cluster.metricsLines().count == 12)
        let coordinator = cluster.log("run/logs/coordinator")
        #expect(admitted(cluster) == ["server-1", "server-2", "worker-1", "worker-2"])
        #expect(coordinator.components(separatedBy: " serves shards ").count - 1 == 2, "\(coordinator)")
        let served = ["server-1", "server-2"].map { servedShards(coordinator, by: $0) }
        #expect(served.map(\.count) == [1, 1], "\(coordinator)")
        #expect(served.flatMap { $0.map(\.shards) }.sorted() == ["0..<2", "2..<3"], "\(coordinator)")
        for (name, lines) in zip(["server-1", "server-2"], served) {
            guard let endpoint = lines.first?.endpoint else { continue }
            let port = Int(endpoint.split(separator: ":").last ?? "") ?? 0
            #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && port >= 20_000 && port < 32_768 && port != cluster.port, "\(endpoint)")
            let log = cluster.log("run/logs/\(name)")
            #expect(log.contains("[\(name)] shard server listening on \(endpoint); saying hello to tcp://127.0.0.1:\(cluster.port)"), "\(name): \(log)")
            #expect(log.contains("[\(name)] serving shards \(lines[0].shards) of run "), "\(name): \(log)")
            #expect(!log.contains(" error ["), "\(name): \(log)")
            expectStoppedAtTheEnd(log, name)
        }
        #expect(served[0].first?.endpoint != served[1].first?.endpoint)
        for worker in ["worker-1", "worker-2"] {
            let log = cluster.log("run/logs/\(worker)")
            #expect(log.contains(" in 3 shards on 2 shard servers, "), "\(worker): \(log)")
            #expect(log.contains("stopping: training finished"), "\(worker): \(log)")
        }
    }

    /// Ctrl-C reaches the whole foreground process group, as a terminal delivers it: the coordinator
    /// checkpoints and stops the workers, and the launcher exits 0.
    @Test func ctrlCStopsTheRunWithACheckpoint() throws {
        let cluster = try LocalCluster(recipe: ["workers_expected": "2", "num_train_epochs": "500", "save_steps": "100000"])
        let outcome = try launch("local.sh", ["--recipe", "recipe.yaml", "--run-dir", "run", "--port", "\(cluster.port)", "--insecure"],
                                 in: cluster) { launcher in
            _ = cluster.waitUntil(timeout: 90, "the first training step") { cluster.metricsLines().count >= 1 }
            launcher.signalGroup(SIGINT)
        }
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let coordinator = cluster.log("run/logs/coordinator")
        // The coordinator hears Ctrl-C itself and again as the SIGTERM local.sh forwards; whichever came first
        // is named.
        #expect(coordinator.contains(" received: writing a checkpoint and stopping the workers"), "\(coordinator)")
        let steps = cluster.metricsLines().count
        #expect(steps >= 1 && steps < 3000)
        #expect(latestCheckpoint(cluster) == String(format: "step-%07d", steps))
        for worker in ["worker-1", "worker-2"] {
            #expect(cluster.log("run/logs/\(worker)").contains("stopping: "), "\(cluster.log("run/logs/\(worker)"))")
            #expect(cluster.log("run/logs/\(worker)").contains("WARNING: --insecure"))
        }
        #expect(coordinator.contains("WARNING: --insecure") && !FileManager.default.fileExists(atPath: cluster.path("run/keys")))
    }

    /// A socket listening on 127.0.0.1:`port`, nil when the port cannot be bound (someone else holds it).
    static func holdPort(_ port: Int) -> Int32? {
        guard let fd = LocalCluster.boundSocket(port: port) else { return nil }
        guard listen(fd, 4) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// A stand-in for ssh that runs the command line here and records the host it was asked to reach.
    @Test func sshLauncherStartsEachHostsWorkersThroughTheSSHCommand() throws {
        let cluster = try LocalCluster(recipe: ["workers_expected": "1"])
        let fakeSSH = cluster.path("fake-ssh")
        try "#!/bin/sh\necho \"$1\" >> \(cluster.path("hosts.txt"))\nshift\nexec sh -c \"$*\"\n".write(toFile: fakeSSH, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fakeSSH)
        let outcome = try launch("ssh.sh", ["--hosts", "alpha:2,beta", "--recipe", "recipe.yaml", "--run-dir", "run", "--port", "\(cluster.port)",
                                            "--address", "127.0.0.1", "--ssh", fakeSSH], in: cluster)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let hosts = (try? String(contentsOfFile: cluster.path("hosts.txt"), encoding: .utf8)) ?? ""
        #expect(hosts.split(separator: "\n").sorted() == ["alpha", "alpha", "beta"])
        // workers_expected follows --hosts (3), not the recipe (1): training waits for all three.
        let coordinator = cluster.log("run/logs/coordinator")
        for name in ["alpha-1", "alpha-2", "beta-3"] {
            #expect(coordinator.contains("] \(name) (worker "), "\(coordinator)")
            #expect(cluster.log("run/logs/worker-\(name.split(separator: "-")[1])-\(name.split(separator: "-")[0])").contains("stopping: "))
        }
        #expect(coordinator.contains("3 workers\n"), "\(coordinator)")
        // Each worker's secret key went through its ssh session to the "remote" key directory, private.
        #expect(admitted(cluster) == ["alpha-1", "alpha-2", "beta-3"])
        for name in ["alpha-1", "alpha-2", "beta-3"] {
            let remote = cluster.path(".bfpo/keys/run/\(name).key")
            var info = stat()
            #expect(stat(remote, &info) == 0 && info.st_mode & 0o777 == 0o600, "\(remote)")
            let here = try String(contentsOfFile: cluster.path("run/keys/\(name).key"), encoding: .utf8)
            #expect(here.hasSuffix((try? String(contentsOfFile: remote, encoding: .utf8)) ?? "missing"))
        }
        #expect(cluster.metricsLines().count == 12)
    }

    /// The stand-in ssh also answers `hostname -I` as delta would (127.0.0.1 first): ssh.sh asks it for the
    /// address of a server host given without one.
    @Test func sshLauncherStartsAShardServerOnEachServerHost() throws {
        let cluster = try LocalCluster(recipe: ["workers_expected": "1"])
        var serverPort = try LocalCluster.freePort()
        while serverPort == cluster.port || serverPort + 1 == cluster.port || serverPort + 1 >= 32_768 { serverPort = try LocalCluster.freePort() }
        let fakeSSH = cluster.path("fake-ssh")
        try """
            #!/bin/sh
            printf '%s\\t%s\\n' "$1" "$2" >> \(cluster.path("calls.txt"))
            [ "$2" = "hostname -I" ] && { echo "127.0.0.1 192.0.2.9"; exit 0; }
            shift
            exec sh -c "$*"

            """.write(toFile: fakeSSH, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fakeSSH)
        let outcome = try launch("ssh.sh", ["--hosts", "alpha:2", "--server-hosts", "gamma=127.0.0.1,delta", "--server-port", "\(serverPort)",
                                            "--recipe", "recipe.yaml", "--run-dir", "run", "--port", "\(cluster.port)", "--address", "127.0.0.1",
                                            "--ssh", fakeSSH], in: cluster)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let calls = ((try? String(contentsOfFile: cluster.path("calls.txt"), encoding: .utf8)) ?? "").split(separator: "\n")
            .map { $0.split(separator: "\t", maxSplits: 1).map(String.init) }
        #expect(calls.map { $0[0] }.sorted() == ["alpha", "alpha", "delta", "delta", "gamma"], "\(calls)")
        let serve = { (host: String) in calls.filter { $0[0] == host && $0.count == 2 && $0[1].contains("/bfpo-coordinator' 'serve' ") }.map { $0[1] } }
        #expect(calls.first { $0[0] == "delta" }?.last == "hostname -I", "\(calls)")
        for (host, name, port) in [("gamma", "gamma-server-1", serverPort), ("delta", "delta-server-2", serverPort + 1)] {
            #expect(serve(host).count == 1 && serve(host)[0].contains(
                "/bfpo-coordinator' 'serve' '--connect' 'tcp://127.0.0.1:\(cluster.port)' '--bind' 'tcp://127.0.0.1:\(port)' '--name' '\(name)' "
                + "--key '.bfpo/keys/run/\(name).key' --coordinator-key='"), "\(calls)")
            // A server admits the run's workers: its copy of the allowlist is the coordinator's.
            #expect(try String(contentsOfFile: cluster.path(".bfpo/keys/run/allowed_keys"), encoding: .utf8)
                    == String(contentsOfFile: cluster.path("run/keys/allowed_keys"), encoding: .utf8))
        }
        let coordinator = cluster.log("run/logs/coordinator")
        let served = [("gamma-server-1", serverPort), ("delta-server-2", serverPort + 1)].map { name, port in
            servedShards(coordinator, by: name).filter { $0.endpoint == "tcp://127.0.0.1:\(port)" }.map(\.shards)
        }
        #expect(served.flatMap { $0 }.sorted() == ["0..<2", "2..<3"], "\(coordinator)")
        for (name, log) in [("gamma-server-1", "run/logs/server-1-gamma"), ("delta-server-2", "run/logs/server-2-delta")] {
            let text = cluster.log(log)
            #expect(text.contains("[\(name)] serving shards "), "\(name): \(text)")
            expectStoppedAtTheEnd(text, name)
        }
        for n in [1, 2] {
            let log = cluster.log("run/logs/worker-\(n)-alpha")
            #expect(log.contains(" in 3 shards on 2 shard servers, ") && log.contains("stopping: training finished"), "alpha-\(n): \(log)")
        }
        #expect(cluster.metricsLines().count == 12)
    }

    /// Writes stand-ins for Slurm's commands into `slurm-bin/` of the cluster's directory and returns the PATH
    /// that finds them first: `scontrol show hostnames LIST` expands a comma-separated LIST; `srun` records
    /// its options and the command in `srun-calls.txt`, answers `hostname -I` as a node would (127.0.0.1
    /// first) and runs every other command here.
    func slurmStandIns(_ cluster: LocalCluster) throws -> String {
        let directory = cluster.path("slurm-bin")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let scripts = [
            "scontrol": """
                #!/bin/sh
                [ "$1 $2" = "show hostnames" ] || exit 1
                echo "$3" | tr ',' '\\n'

                """,
            "srun": """
                #!/bin/sh
                options=""
                while [ $# -gt 0 ]; do
                    case "$1" in
                        --*) options="$options $1"; shift ;;
                        *) break ;;
                    esac
                done
                printf '%s\\t%s\\n' "${options# }" "$*" >> \(cluster.path("srun-calls.txt"))
                [ "$*" = "hostname -I" ] && { echo "127.0.0.1 192.0.2.9"; exit 0; }
                exec "$@"

                """,
        ]
        for (name, text) in scripts {
            try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(directory)/\(name)")
        }
        return "PATH=\(directory):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
    }

    /// An allocation of alpha, beta and gamma, the script running on alpha: the coordinator runs here, one
    /// shard server on each of beta and gamma (at the address their `hostname -I` gave), one worker each on
    /// beta and gamma, every one of them a step of its own with the CPUs it computes with, its secret key
    /// delivered through the step's stdin to the node's `$TMPDIR/bfpo-keys-JOBID/RUN_NAME/`.
    @Test func slurmLauncherRunsTheCoordinatorOnTheFirstNodeAndStepsOnTheOthers() throws {
        let cluster = try LocalCluster(recipe: ["workers_expected": "1"])
        var serverPort = try LocalCluster.freePort()
        while serverPort == cluster.port || serverPort + 1 == cluster.port || serverPort + 1 >= 32_768 { serverPort = try LocalCluster.freePort() }
        let path = try slurmStandIns(cluster)
        try FileManager.default.createDirectory(atPath: cluster.path("tmp"), withIntermediateDirectories: true)
        let outcome = try launch("slurm.sh", ["--recipe", "recipe.yaml", "--run-dir", "run", "--port", "\(cluster.port)", "--address", "127.0.0.1",
                                              "--servers", "2", "--server-port", "\(serverPort)", "--threads", "1"],
                                 in: cluster, environment: [path, "SLURM_JOB_NODELIST=alpha,beta,gamma", "SLURMD_NODENAME=alpha", "SLURM_JOB_ID=4242",
                                                            "TMPDIR=\(cluster.path("tmp"))"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("slurm.sh: done. Metrics: run/metrics.jsonl; checkpoints: run/checkpoints (latest: step-0000012); logs: run/logs"),
                "\(outcome.stderr)")
        #expect(cluster.metricsLines().count == 12)

        let calls = ((try? String(contentsOfFile: cluster.path("srun-calls.txt"), encoding: .utf8)) ?? "").split(separator: "\n")
            .map { $0.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false).map(String.init) }
        #expect(calls.allSatisfy { $0.count == 2 && $0[0].hasPrefix("--nodes=1 --ntasks=1 --nodelist=") }, "\(calls)")
        let node = { (call: [String]) in call[0].split(separator: " ")[2].dropFirst("--nodelist=".count) }
        #expect(!calls.contains { node($0) == "alpha" }, "\(calls)")
        #expect(calls.filter { $0[1] == "hostname -I" }.map { String(node($0)) } == ["beta", "gamma"], "\(calls)")
        let endpoint = "tcp://127.0.0.1:\(cluster.port)", keys = cluster.path("tmp/bfpo-keys-4242/run")
        let expected = [
            ("beta", "beta-server-1", "/bfpo-coordinator' 'serve' '--connect' '\(endpoint)' '--bind' 'tcp://127.0.0.1:\(serverPort)' '--name' 'beta-server-1'"),
            ("gamma", "gamma-server-2", "/bfpo-coordinator' 'serve' '--connect' '\(endpoint)' '--bind' 'tcp://127.0.0.1:\(serverPort + 1)' '--name' 'gamma-server-2'"),
            ("beta", "beta-1", "/bfpo-worker' 'run' '--connect' '\(endpoint)' '--threads' '1' '--name' 'beta-1'"),
            ("gamma", "gamma-2", "/bfpo-worker' 'run' '--connect' '\(endpoint)' '--threads' '1' '--name' 'gamma-2'"),
        ]
        // Steps started together record themselves in either order.
        let steps = calls.filter { $0[1] != "hostname -I" }
        #expect(steps.count == expected.count, "\(calls)")
        for (host, name, command) in expected {
            let call = steps.first { $0[0].hasSuffix("--cpus-per-task=1 --job-name=\(name)") }
            #expect(call.map { node($0) == host && $0[1].hasPrefix("bash -c umask 077 && mkdir -p '\(keys)' && ")
                               && $0[1].contains(command + " --key '\(keys)/\(name).key' --coordinator-key='") } == true,
                    "\(host), \(name), \(command) among \(steps)")
            // The secret key arrived, private, and is the one made for this process.
            var info = stat()
            #expect(stat("\(keys)/\(name).key", &info) == 0 && info.st_mode & 0o777 == 0o600, "\(keys)/\(name).key")
            let here = (try? String(contentsOfFile: cluster.path("run/keys/\(name).key"), encoding: .utf8)) ?? "here"
            #expect(here.hasSuffix((try? String(contentsOfFile: "\(keys)/\(name).key", encoding: .utf8)) ?? "missing"))
        }
        // The servers admit the run's workers: their copy of the allowlist is the coordinator's.
        #expect(try String(contentsOfFile: "\(keys)/allowed_keys", encoding: .utf8) == String(contentsOfFile: cluster.path("run/keys/allowed_keys"), encoding: .utf8))
        #expect(admitted(cluster) == ["beta-1", "beta-server-1", "gamma-2", "gamma-server-2"])

        let coordinator = cluster.log("run/logs/coordinator")
        #expect(coordinator.contains("(CurveZMQ)"), "\(coordinator)")
        for name in ["beta-1", "gamma-2"] { #expect(coordinator.contains("] \(name) (worker "), "\(coordinator)") }
        #expect(coordinator.contains("2 workers\n"), "\(coordinator)")
        let served = ["beta-server-1", "gamma-server-2"].flatMap { servedShards(coordinator, by: $0).map(\.shards) }
        #expect(served.sorted() == ["0..<2", "2..<3"], "\(coordinator)")
        for (name, log) in [("beta-server-1", "run/logs/server-1-beta"), ("gamma-server-2", "run/logs/server-2-gamma")] {
            let text = cluster.log(log)
            #expect(text.contains("[\(name)] serving shards "), "\(name): \(text)")
            expectStoppedAtTheEnd(text, name)
        }
        for (n, host) in [(1, "beta"), (2, "gamma")] {
            let log = cluster.log("run/logs/worker-\(n)-\(host)")
            #expect(log.contains(" in 3 shards on 2 shard servers, ") && log.contains("stopping: training finished"), "\(host)-\(n): \(log)")
        }
    }

    /// Outside an allocation, or on a node other than its first, slurm.sh stops before starting anything.
    @Test func slurmLauncherRunsOnlyOnTheAllocationsFirstNode() throws {
        let cluster = try LocalCluster()
        let path = try slurmStandIns(cluster)
        let cases = [
            (["-u", "SLURM_JOB_NODELIST", "-u", "SLURM_NODELIST"], "slurm.sh: not in a Slurm allocation (SLURM_JOB_NODELIST is not set)"),
            ([path, "SLURM_JOB_NODELIST=alpha,beta", "SLURMD_NODENAME=beta"],
             "slurm.sh: this is beta, not alpha, the allocation's first node, where the coordinator runs"),
        ]
        for (environment, message) in cases {
            let outcome = try launch("slurm.sh", ["--recipe", "recipe.yaml"], in: cluster, environment: environment, timeout: 30)
            #expect(outcome.status == 2)
            #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: cluster.path("runs")))
        #expect(!FileManager.default.fileExists(atPath: cluster.path("srun-calls.txt")))
    }

    /// `--help` prints the launcher's header comment and nothing of the script after it.
    @Test(arguments: ["local.sh", "ssh.sh", "slurm.sh"])
    func helpPrintsTheUsageAlone(script: String) throws {
        let process = Process()
        process.executableURL = Self.repository.appendingPathComponent("cluster/\(script)")
        process.arguments = ["--help"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("cluster/\(script) ") && text.contains("--recipe FILE"), "\(text)")
        // The usage ends with the exit statuses, however its lines are wrapped.
        #expect(text.split(whereSeparator: \.isWhitespace).joined(separator: " ").hasSuffix("2 on a bad argument."), "\(text)")
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("#") || $0.hasPrefix("set -") }, "\(text)")
    }

    @Test(arguments: [
        ("local.sh", ["--workers", "0", "--recipe", "recipe.yaml"], "local.sh: --workers must be a positive integer"),
        ("local.sh", ["--workers", "2"], "local.sh: --recipe is required"),
        ("ssh.sh", ["--hosts", "alpha:0", "--recipe", "recipe.yaml"], "ssh.sh: bad worker count in \"alpha:0\" (HOST or HOST:N, N ≥ 1)"),
        ("ssh.sh", ["--hosts", "al;pha", "--recipe", "recipe.yaml"], "ssh.sh: bad host \"al;pha\" in --hosts"),
        ("local.sh", ["--servers", "-1", "--recipe", "recipe.yaml"], "local.sh: --servers must be an integer of at least 0"),
        ("ssh.sh", ["--hosts", "alpha", "--server-hosts", "beta=10.0.0.2;x", "--recipe", "recipe.yaml"],
         "ssh.sh: bad address in \"beta=10.0.0.2;x\" (HOST or HOST=ADDRESS)"),
        ("slurm.sh", ["--recipe", "recipe.yaml", "--workers-per-node", "0"], "slurm.sh: --workers-per-node must be a positive integer"),
        ("slurm.sh", ["--servers", "1"], "slurm.sh: --recipe is required"),
    ])
    func badArgumentsAreRefusedBeforeAnythingStarts(script: String, arguments: [String], message: String) throws {
        let cluster = try LocalCluster()
        let outcome = try launch(script, arguments, in: cluster, timeout: 30)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cluster.path("runs")))
        #expect(!FileManager.default.fileExists(atPath: cluster.path("run")))
    }
}
