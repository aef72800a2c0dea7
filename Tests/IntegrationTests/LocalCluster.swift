import Foundation
import Testing
@testable import Shared

/// A coordinator and workers as real processes on loopback, in a temporary directory with a tiny model,
/// random tokenized pairs and a recipe. Every process is killed by pid when the cluster goes away, and
/// every wait is bounded.
///
/// Connections use CurveZMQ, as the binaries do by default: `keys/` holds the coordinator's key pair, one
/// pair per worker and server (`keys/NAME.key`), and `keys/allowed_keys` with every one of them; each run
/// directory's `keys/` links to these, so every coordinator of the cluster has the same key and admits
/// the same peers, also those started after it.
final class LocalCluster {
    let directory: URL
    let port: Int
    private var processes: [String: Process] = [:]

    /// - Parameters:
    ///   - pairs: random tokenized pairs to train on.
    ///   - recipe: recipe keys and YAML values replacing or adding to the defaults below.
    init(pairs: Int = 24, seed: UInt64 = 1, recipe overrides: [String: String] = [:]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try LocalCluster.freePort()
        coordinatorKeys = try KeyFiles.makePair(named: directory.appendingPathComponent("keys/coordinator").path)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("keys/allowed_keys").path, contents: nil)
        let model = try ProcessRunner.run("bfpo-worker", [
            "init", "--layers", "2", "--heads", "2", "--embd", "32", "--vocab", "40", "--positions", "32", "--seed", "3",
            "--out", path("model")])
        #expect(model.status == 0, "\(model.stderr)")
        var generator = RandomGenerator(seed: seed)
        var lines: [String] = []
        for i in 0..<pairs {
            func ids(_ count: Int) -> [Int] { (0..<count).map { _ in Int(generator.next() % 40) } }
            let prompt = ids(2 + Int(generator.next() % 6)), chosen = ids(1 + Int(generator.next() % 8)), rejected = ids(1 + Int(generator.next() % 8))
            func list(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ",") + "]" }
            let p = [Int](repeating: 0, count: prompt.count)
            lines.append("{\"chosen_ids\":\(list(prompt + chosen)),\"chosen_mask\":\(list(p + chosen.map { _ in 1 })),"
                         + "\"rejected_ids\":\(list(prompt + rejected)),\"rejected_mask\":\(list(p + rejected.map { _ in 1 })),"
                         + "\"is_chosen_safe\":\(i % 2),\"is_rejected_safe\":\(i / 2 % 2)}")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("pairs.jsonl"), atomically: true, encoding: .utf8)
        var settings: [String: String] = [
            "model": "model", "max_length": "32", "max_prompt_length": "16", "learning_rate": "1.0e-2",
            "lr_scheduler_type": "cosine", "warmup_ratio": "0.1", "num_train_epochs": "2", "per_device_train_batch_size": "2",
            "gradient_accumulation_steps": "2", "save_steps": "2", "save_total_limit": "3", "seed": "7", "shards": "3",
            "max_staleness": "0", "workers_expected": "1", "heartbeat_seconds": "0.3", "lease_seconds": "5", "weight_decay": "0.01",
        ]
        settings.merge(overrides) { $1 }
        let body = settings.keys.sorted().map { "\($0): \(settings[$0]!)" }.joined(separator: "\n")
        try (body + "\ndataset_mixer:\n  pairs.jsonl: 1.0\n").write(to: directory.appendingPathComponent("recipe.yaml"), atomically: true, encoding: .utf8)
    }

    /// The key pair of every coordinator of this cluster.
    let coordinatorKeys: CurveKeyPair

    /// A key pair for `name` (made once), admitted by every coordinator of the cluster: the key options of
    /// a worker or server.
    func admit(_ name: String) throws -> [String] {
        let base = path("keys/\(name)")
        if !FileManager.default.fileExists(atPath: base + ".key") {
            let pair = try KeyFiles.makePair(named: base)
            let allowlist = try FileHandle(forWritingTo: URL(fileURLWithPath: path("keys/allowed_keys")))
            defer { try? allowlist.close() }
            try allowlist.seekToEnd()
            try allowlist.write(contentsOf: Data("\(pair.publicKey.z85) \(name)\n".utf8))
        }
        return ["--key", base + ".key", "--coordinator-key", path("keys/coordinator.pub")]
    }

    /// What a hand-made client (a test playing a worker) presents: the coordinator's public key and an
    /// admitted key pair of its own.
    func curveClient(_ name: String) throws -> (serverKey: CurveKey, keyPair: CurveKeyPair) {
        _ = try admit(name)
        return (coordinatorKeys.publicKey, try KeyFiles.readPair(secretKeyFile: path("keys/\(name).key")))
    }

    /// Links run directory `run`'s `keys/` to the cluster's, as a launcher would set it up.
    private func linkKeys(into run: String) throws {
        let keys = path("\(run)/keys")
        guard !FileManager.default.fileExists(atPath: keys) else { return }
        try FileManager.default.createDirectory(atPath: path(run), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: keys, withDestinationPath: path("keys"))
    }

    deinit {
        for process in processes.values where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in processes.values { process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A loopback port no one listens on, below Linux's ephemeral range (32768 and up by default) so that
    /// no outgoing connection of another test can take it before the coordinator binds it.
    static func freePort() throws -> Int {
        for _ in 0..<100 {
            let port = Int.random(in: 20_000..<32_768)
            if let fd = boundSocket(port: port) {
                close(fd)
                return port
            }
        }
        throw POSIXError(.EADDRINUSE)
    }

    /// A TCP socket bound to 127.0.0.1:`port`, nil when the port cannot be bound (someone else holds it);
    /// the caller closes it.
    static func boundSocket(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    var endpoint: String { "tcp://127.0.0.1:\(port)" }
    func log(_ name: String) -> String { (try? String(contentsOfFile: path("\(name).log"), encoding: .utf8)) ?? "" }

    /// Starts `bfpo-coordinator train` for run directory `run`, logging to `name.log`.
    @discardableResult
    func startCoordinator(run: String = "run", name: String = "coordinator", arguments: [String] = []) throws -> Process {
        try linkKeys(into: run)
        return try start(name, "bfpo-coordinator", ["train", "--recipe", path("recipe.yaml"), "--run-dir", path(run), "--bind", endpoint,
                                             "--log-level", "debug"] + arguments)
    }

    /// Starts `bfpo-worker run` with an admitted key pair of its own, or with `keys` in their place
    /// (`["--insecure"]`, or none at all).
    @discardableResult
    func startWorker(_ name: String, keys: [String]? = nil) throws -> Process {
        try start(name, "bfpo-worker", ["run", "--connect", endpoint, "--threads", "1", "--name", name, "--reply-timeout", "2",
                                        "--give-up-after", "60"] + (keys ?? admit(name)))
    }

    /// Starts `bfpo-coordinator serve`, a shard server on a loopback port of its own, logging to `name.log`.
    @discardableResult
    func startServer(_ name: String) throws -> Process {
        try start(name, "bfpo-coordinator", ["serve", "--connect", endpoint, "--bind", "tcp://127.0.0.1:\(try LocalCluster.freePort())",
                                             "--name", name, "--give-up-after", "60", "--log-level", "debug",
                                             "--allowed-keys", path("keys/allowed_keys")] + admit(name))
    }

    private func start(_ name: String, _ binary: String, _ arguments: [String]) throws -> Process {
        _ = FileManager.default.createFile(atPath: path("\(name).log"), contents: nil)
        let output = try FileHandle(forWritingTo: directory.appendingPathComponent("\(name).log"))
        let process = Process()
        process.executableURL = try ProcessRunner.binary(binary)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        processes[name] = process
        return process
    }

    /// Waits for `name` to exit, at most `timeout` seconds (then kills it and fails).
    @discardableResult
    func waitForExit(_ name: String, timeout: Double = 120) -> Int32? {
        guard let process = processes[name] else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("\(name) did not exit within \(timeout) s; its log:\n\(log(name))")
            return nil
        }
        return process.terminationStatus
    }

    /// Sends SIGTERM to `name`, as a launcher's Ctrl-C does (it does not wait).
    func terminate(_ name: String) {
        guard let process = processes[name] else { return }
        kill(process.processIdentifier, SIGTERM)
    }

    func kill9(_ name: String) {
        guard let process = processes[name] else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits until `condition` holds, polling, at most `timeout` seconds.
    func waitUntil(timeout: Double = 60, _ what: String, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        Issue.record("timed out after \(timeout) s waiting for \(what)")
        return false
    }

    /// Bytes of a file of the final checkpoint of `run`.
    func finalCheckpointFile(run: String = "run", _ file: String) throws -> Data {
        let latest = try String(contentsOfFile: path("\(run)/checkpoints/latest"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return try Data(contentsOf: URL(fileURLWithPath: path("\(run)/checkpoints/\(latest)/\(file)")))
    }

    /// The batches of each applied step, from the coordinator's debug log ("step S applied: batches [..]").
    func appliedSteps(_ name: String = "coordinator") -> [Int: [Int]] {
        var steps: [Int: [Int]] = [:]
        for line in log(name).split(separator: "\n") {
            guard let range = line.range(of: "] step "), line.contains(" applied: batches [") else { continue }
            let rest = line[range.upperBound...]
            let step = Int(rest.prefix { $0.isNumber })!
            let inside = rest.split(separator: "[")[1].split(separator: "]")[0]
            steps[step] = inside.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
        }
        return steps
    }

    func metricsLines(run: String = "run") -> [[String: Any]] {
        ((try? String(contentsOfFile: path("\(run)/metrics.jsonl"), encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
