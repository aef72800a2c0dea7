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

    /// Runs `cluster/script arguments…` in the cluster's directory with the test's binaries; `whileRunning`
    /// may act on the running launcher's group.
    func launch(_ script: String, _ arguments: [String], in cluster: LocalCluster, timeout: Double = 120,
                whileRunning: (ProcessGroup) -> Void = { _ in }) throws -> Outcome {
        let bin = try ProcessRunner.binary("bfpo-coordinator").deletingLastPathComponent().path
        let stderrPath = cluster.path("\(script).stderr")
        let group = try ProcessGroup(Self.repository.appendingPathComponent("cluster/\(script)").path, arguments + ["--bin", bin],
                                     directory: cluster.directory.path, stderrPath: stderrPath)
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

    @Test func localLauncherTrainsWithTwoWorkersAndSaysWhereTheResultsAre() throws {
        let cluster = try LocalCluster(recipe: ["workers_expected": "2"])
        let outcome = try launch("local.sh", ["--workers", "2", "--recipe", "recipe.yaml", "--run-dir", "run", "--port", "\(cluster.port)"],
                                 in: cluster)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("local.sh: done. Metrics: run/metrics.jsonl; checkpoints: run/checkpoints (latest: step-0000012); logs: run/logs"),
                "\(outcome.stderr)")
        #expect(cluster.metricsLines().count == 12)
        let coordinator = cluster.log("run/logs/coordinator")
        #expect(coordinator.contains("worker-1 (worker ") && coordinator.contains("worker-2 (worker "), "\(coordinator)")
        for worker in ["worker-1", "worker-2"] {
            let log = cluster.log("run/logs/\(worker)")
            #expect(log.contains("stopping: training finished"), "\(worker): \(log)")
            #expect(log.contains("worker summary: "), "\(worker): \(log)")
        }
    }

    /// Ctrl-C reaches the whole foreground process group, as a terminal delivers it: the coordinator
    /// checkpoints and stops the workers, and the launcher exits 0.
    @Test func ctrlCStopsTheRunWithACheckpoint() throws {
        let cluster = try LocalCluster(recipe: ["workers_expected": "2", "num_train_epochs": "500", "save_steps": "100000"])
        let outcome = try launch("local.sh", ["--recipe", "recipe.yaml", "--run-dir", "run", "--port", "\(cluster.port)"], in: cluster) { launcher in
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
        }
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
        #expect(cluster.metricsLines().count == 12)
    }

    @Test(arguments: [
        ("local.sh", ["--workers", "0", "--recipe", "recipe.yaml"], "local.sh: --workers must be a positive integer"),
        ("local.sh", ["--workers", "2"], "local.sh: --recipe is required"),
        ("ssh.sh", ["--hosts", "alpha:0", "--recipe", "recipe.yaml"], "ssh.sh: bad worker count in \"alpha:0\" (HOST or HOST:N, N ≥ 1)"),
        ("ssh.sh", ["--hosts", "al;pha", "--recipe", "recipe.yaml"], "ssh.sh: bad host \"al;pha\" in --hosts"),
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
