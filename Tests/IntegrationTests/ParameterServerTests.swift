import Foundation
import Testing
@testable import Shared

/// The parameter server as users run it: `bfpo-coordinator train` and `bfpo-worker run` processes on
/// loopback. 24 pairs in batches of 2, 2 batches a step, 2 epochs: 12 steps over global batch ids 0..<24.
@Suite(.serialized)
struct ParameterServerTests {
    let epochs = [0..<12, 12..<24]

    /// Every batch of every epoch appears in exactly one applied step.
    func expectEveryBatchOnce(_ cluster: LocalCluster, sourceLocation: SourceLocation = #_sourceLocation) {
        let steps = cluster.appliedSteps()
        #expect(steps.keys.sorted() == Array(1...12), sourceLocation: sourceLocation)
        let batches = steps.keys.sorted().flatMap { steps[$0]! }
        #expect(batches.sorted() == Array(0..<24), "batches applied: \(batches)", sourceLocation: sourceLocation)
        #expect(steps.values.allSatisfy { $0.count == 2 }, sourceLocation: sourceLocation)
    }

    /// A run to compare against: the coordinator serving every shard, one worker, no fault.
    func cleanRun(recipe: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> LocalCluster {
        let cluster = try LocalCluster(recipe: recipe)
        try cluster.startCoordinator()
        try cluster.startWorker("solo")
        #expect(cluster.waitForExit("coordinator") == 0, "\(cluster.log("coordinator"))", sourceLocation: sourceLocation)
        #expect(cluster.waitForExit("solo") == 0, "\(cluster.log("solo"))", sourceLocation: sourceLocation)
        return cluster
    }

    @Test func synchronousRunsWithOneAndTwoWorkersEndBitIdentical() throws {
        let cluster = try LocalCluster()
        try cluster.startCoordinator(run: "one", name: "coordinator-one")
        try cluster.startWorker("solo")
        #expect(cluster.waitForExit("coordinator-one") == 0, "\(cluster.log("coordinator-one"))")
        #expect(cluster.waitForExit("solo") == 0, "\(cluster.log("solo"))\n\(cluster.log("coordinator-one").suffix(4000))")

        let pair = try LocalCluster(recipe: ["workers_expected": "2"])
        // Same data and model: the second cluster writes its own files from the same seeds.
        #expect(try Data(contentsOf: URL(fileURLWithPath: pair.path("pairs.jsonl"))) == Data(contentsOf: URL(fileURLWithPath: cluster.path("pairs.jsonl"))))
        try pair.startCoordinator(run: "two", name: "coordinator-two")
        try pair.startWorker("a")
        try pair.startWorker("b")
        #expect(pair.waitForExit("coordinator-two") == 0, "\(pair.log("coordinator-two"))")
        #expect(pair.waitForExit("a") == 0, "\(pair.log("a"))\n\(pair.log("coordinator-two").suffix(4000))")
        #expect(pair.waitForExit("b") == 0, "\(pair.log("b"))\n\(pair.log("coordinator-two").suffix(4000))")

        // Both workers contributed, and the parameters and optimizer state are the same to the bit.
        let leases = pair.log("coordinator-two").split(separator: "\n").filter { $0.contains(": batch ") && $0.contains(" to ") }
        #expect(leases.contains { $0.hasSuffix("a (worker 1)") || $0.hasSuffix("a (worker 2)") }, "\(leases.prefix(4))")
        #expect(leases.contains { $0.hasSuffix("b (worker 1)") || $0.hasSuffix("b (worker 2)") })
        #expect(try cluster.finalCheckpointFile(run: "one", "model.safetensors") == pair.finalCheckpointFile(run: "two", "model.safetensors"))
        #expect(try cluster.finalCheckpointFile(run: "one", "optimizer.safetensors") == pair.finalCheckpointFile(run: "two", "optimizer.safetensors"))
        let losses = { (c: LocalCluster, run: String) in c.metricsLines(run: run).map { $0["loss"] as? Double } }
        #expect(losses(cluster, "one").count == 12)
        #expect(losses(cluster, "one") == losses(pair, "two"))
    }

    @Test(arguments: [[:], ["compression": "bf16"], ["compression": "none+int4"], ["compression": "topk:0.05+int8", "use_selective": "true", "selected_layers": "[mlp, ln_f]"]])
    func externalShardServersEndBitIdenticalToTheCoordinatorServingAlone(settings: [String: String]) throws {
        let alone = try cleanRun(recipe: settings)

        // 3 shards over 2 servers: each owns a contiguous block, the coordinator none.
        let served = try LocalCluster(recipe: settings.merging(["servers_expected": "2", "workers_expected": "2"]) { $1 })
        try served.startCoordinator()
        try served.startServer("server-a")
        try served.startServer("server-b")
        try served.startWorker("a")
        try served.startWorker("b")
        let logs = { ["coordinator", "server-a", "server-b", "a", "b"].map { "== \($0)\n" + served.log($0).suffix(3000) }.joined(separator: "\n") }
        #expect(served.waitForExit("coordinator") == 0, "\(logs())")
        for name in ["server-a", "server-b", "a", "b"] { #expect(served.waitForExit(name, timeout: 30) == 0, "\(name): \(logs())") }
        expectEveryBatchOnce(served)
        #expect(served.log("server-a").contains("serving shards") && served.log("server-b").contains("serving shards"), "\(logs())")
        #expect(try alone.finalCheckpointFile("model.safetensors") == served.finalCheckpointFile("model.safetensors"))
        #expect(try alone.finalCheckpointFile("optimizer.safetensors") == served.finalCheckpointFile("optimizer.safetensors"))
        let losses = { (c: LocalCluster) in c.metricsLines().map { $0["loss"] as? Double } }
        #expect(losses(alone).count == 12 && losses(alone) == losses(served))
    }

    @Test func asynchronousRunUsesEveryPairOncePerEpoch() throws {
        let cluster = try LocalCluster(recipe: ["max_staleness": "2", "workers_expected": "2"])
        try cluster.startCoordinator()
        try cluster.startWorker("a")
        try cluster.startWorker("b")
        #expect(cluster.waitForExit("coordinator") == 0, "\(cluster.log("coordinator"))")
        expectEveryBatchOnce(cluster)
        let metrics = cluster.metricsLines()
        #expect(metrics.count == 12)
        #expect(metrics.allSatisfy { ($0["staleness_max"] as? Double ?? 99) <= 2 })
    }

    @Test func killedWorkerLosesNoBatchAndDuplicatesNone() throws {
        let cluster = try LocalCluster(pairs: 24, recipe: ["workers_expected": "2"])
        try cluster.startCoordinator()
        try cluster.startWorker("doomed")
        try cluster.startWorker("survivor")
        guard cluster.waitUntil("a first step", { cluster.metricsLines().count >= 1 }) else { return }
        cluster.kill9("doomed")
        #expect(cluster.waitForExit("coordinator", timeout: 90) == 0, "\(cluster.log("coordinator"))")
        expectEveryBatchOnce(cluster)
        let log = cluster.log("coordinator")
        #expect(log.contains("doomed (worker") && log.contains("went silent"))
        // The survivor carries on at once: the coordinator must not fall back to waiting for
        // workers_expected (its 30 s window at the start) once the run is under way.
        let stamp = { (marker: String) -> Date? in
            log.split(separator: "\n").first { $0.contains(marker) }.flatMap { try? Date(String($0.prefix(20)), strategy: .iso8601) }
        }
        if let silent = stamp("went silent"), let finished = stamp("training finished") {
            #expect(finished.timeIntervalSince(silent) < 20, "\(log)")
        } else {
            Issue.record("no 'went silent' or 'training finished' line: \(log)")
        }
    }

    @Test func killedCoordinatorResumesToTheSameParameters() throws {
        let clean = try cleanRun()

        let crashed = try LocalCluster()
        try crashed.startCoordinator(name: "first")
        try crashed.startWorker("w")
        guard crashed.waitUntil("a checkpoint", { FileManager.default.fileExists(atPath: crashed.path("run/checkpoints/latest")) }) else { return }
        crashed.kill9("first")
        // Bytes of steps after the checkpoint are lost; the resumed coordinator redoes them.
        try crashed.startCoordinator(name: "second")
        #expect(crashed.waitForExit("second") == 0, "\(crashed.log("second"))")
        #expect(crashed.waitForExit("w") == 0, "\(crashed.log("w"))")
        #expect(crashed.log("second").contains("resuming"))
        #expect(crashed.log("w").contains("registering again") || crashed.log("w").contains("register again"))
        #expect(try clean.finalCheckpointFile("model.safetensors") == crashed.finalCheckpointFile("model.safetensors"))
        #expect(try clean.finalCheckpointFile("optimizer.safetensors") == crashed.finalCheckpointFile("optimizer.safetensors"))
        let steps = crashed.metricsLines().map { $0["step"] as? Int }
        #expect(steps == (1...12).map { $0 })
    }

    /// Under `topk` a checkpoint saves the public copy workers compute on beside the parameters: a run stopped
    /// by SIGTERM between save steps (its only save step is the last) and resumed ends bit-identical to one
    /// never stopped.
    @Test func aTopKRunStoppedBetweenSaveStepsResumesBitIdentical() throws {
        let settings = ["compression": "topk:0.05", "save_steps": "100"]
        let clean = try cleanRun(recipe: settings)

        let stopped = try LocalCluster(recipe: settings)
        try stopped.startCoordinator(name: "first")
        try stopped.startWorker("w")
        guard stopped.waitUntil("two metrics lines", { stopped.metricsLines().count >= 2 }) else { return }
        stopped.terminate("first")
        #expect(stopped.waitForExit("first") == 0, "\(stopped.log("first"))")
        #expect(stopped.waitForExit("w") == 0, "\(stopped.log("w"))")
        let written = try String(contentsOfFile: stopped.path("run/checkpoints/latest"), encoding: .utf8)
        let step = Int(written.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("step-".count)) ?? 0
        #expect((2..<12).contains(step), "stopped at step \(step)")
        try stopped.startCoordinator(name: "second")
        try stopped.startWorker("w2")
        #expect(stopped.waitForExit("second") == 0, "\(stopped.log("second"))")
        #expect(stopped.waitForExit("w2") == 0, "\(stopped.log("w2"))")
        #expect(stopped.log("second").contains("resuming") && !stopped.log("second").contains("holds no public copy"))
        for file in ["model.safetensors", "optimizer.safetensors", "public_copy.safetensors"] {
            #expect(try clean.finalCheckpointFile(file) == stopped.finalCheckpointFile(file), "\(file)")
        }
        #expect(stopped.metricsLines().map { $0["step"] as? Int } == (1...12).map { $0 })
    }

    /// A coordinator started by mistake on a live run directory stops before touching it, naming the
    /// owner; the live run keeps every metrics line and ends as if nothing had happened.
    @Test func aSecondCoordinatorOnALiveRunDirectoryStopsBeforeTouchingIt() throws {
        let cluster = try LocalCluster()
        let first = try cluster.startCoordinator(name: "first")
        try cluster.startWorker("w")
        guard cluster.waitUntil("a metrics line", { !cluster.metricsLines().isEmpty }) else { return }
        let recipe = try Data(contentsOf: URL(fileURLWithPath: cluster.path("run/recipe.yaml")))
        try cluster.startCoordinator(name: "second", arguments: ["--bind", "tcp://127.0.0.1:\(try LocalCluster.freePort())"])
        #expect(cluster.waitForExit("second", timeout: 30) == 1, "\(cluster.log("second"))")
        #expect(cluster.log("second").contains("belongs to a coordinator that is still running (pid \(first.processIdentifier))"),
                "\(cluster.log("second"))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: cluster.path("run/recipe.yaml"))) == recipe)
        #expect(cluster.waitForExit("first") == 0, "\(cluster.log("first"))")
        #expect(cluster.metricsLines().map { $0["step"] as? Int } == (1...12).map { $0 })
    }

    @Test func killedShardServerIsNoticedAndTheRunEndsBitIdenticalFromTheLastCheckpoint() throws {
        let clean = try cleanRun()

        let crashed = try LocalCluster(recipe: ["servers_expected": "2", "workers_expected": "2", "servers_wait_seconds": "3"])
        try crashed.startCoordinator()
        try crashed.startServer("server-a")
        try crashed.startServer("doomed")
        try crashed.startWorker("a")
        try crashed.startWorker("b")
        let logs = { ["coordinator", "server-a", "doomed", "a", "b"].map { "== \($0)\n" + crashed.log($0).suffix(4000) }.joined(separator: "\n") }
        guard crashed.waitUntil("a checkpoint and a step after it", {
            FileManager.default.fileExists(atPath: crashed.path("run/checkpoints/latest")) && crashed.metricsLines().count >= 3
        }) else { Issue.record("\(logs())"); return }
        crashed.kill9("doomed")
        let killed = Date()
        #expect(crashed.waitForExit("coordinator") == 0, "\(logs())")
        for name in ["server-a", "a", "b"] { #expect(crashed.waitForExit(name, timeout: 30) == 0, "\(name): \(logs())") }
        // Noticed within 5 s (log stamps are whole seconds, never later than the event).
        let log = crashed.log("coordinator")
        let failure = log.split(separator: "\n").first { $0.contains("a shard server failed") }
        let stamp = failure.flatMap { try? Date(String($0.prefix(20)), strategy: .iso8601) }
        #expect(stamp.map { $0.timeIntervalSince(killed) < 5 } == true, "\(logs())")
        // The survivor took every shard of the resumed run.
        #expect(log.contains("resuming") && log.contains("server-a (server") && log.contains("serves shards 0..<3"), "\(logs())")
        #expect(try clean.finalCheckpointFile("model.safetensors") == crashed.finalCheckpointFile("model.safetensors"), "\(logs())")
        #expect(try clean.finalCheckpointFile("optimizer.safetensors") == crashed.finalCheckpointFile("optimizer.safetensors"))
        #expect(crashed.metricsLines().map { $0["step"] as? Int } == (1...12).map { $0 })
    }

    /// SFT reads only the policy's chosen log-probs: the run has no reference phase and writes no
    /// reference cache, and its metrics lines carry no rewards.
    @Test func sftRunSkipsTheReferencePhase() throws {
        let cluster = try LocalCluster(recipe: ["objective": "sft"])
        try cluster.startCoordinator()
        try cluster.startWorker("w")
        #expect(cluster.waitForExit("coordinator") == 0, "\(cluster.log("coordinator"))")
        #expect(cluster.waitForExit("w") == 0, "\(cluster.log("w"))")
        #expect(!cluster.log("coordinator").contains("reference log-probs of"))
        #expect(!FileManager.default.fileExists(atPath: cluster.path("run/reference_logps.jsonl")))
        let metrics = cluster.metricsLines()
        #expect(metrics.count == 12)
        #expect(metrics.allSatisfy { $0["loss"] is Double && $0["logps/chosen"] is Double && $0["rewards/chosen"] == nil })
        expectEveryBatchOnce(cluster)
    }
}
