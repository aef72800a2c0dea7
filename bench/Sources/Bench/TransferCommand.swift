import ArgumentParser
import Foundation
import Shared

/// `bfpo-bench transfer`: the shard server's data path for GPT-2 124M's parameter vector, beside raw
/// libzmq moving the same bytes in the same run (BENCHMARKS.md).
///
/// The server is the real one: a `bfpo-coordinator serve` process, to which this command plays the
/// coordinator (it answers the server's hello with an assignment of every shard, parameters and AdamW
/// moments, and tells it to stop at the end). It serves pulls with zero-copy frames of its published
/// snapshots and checks and holds every pushed gradient part (`ShardServer.hold`), as in a run. Worker
/// threads, each with a libzmq context of its own as separate processes have, speak the worker's
/// protocol: one `ShardRequest` per shard in shard order, each shard copied into the vector the model
/// reads, then one gradient part carrying every shard as zero-copy frames. One round is one pull and one
/// push of the whole vector per worker.
///
/// The raw baseline gives its sender and its receiver an I/O thread each (one context with 2 I/O
/// threads), as two processes have.
struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Pull + push of GPT-2 124M's parameter vector between a shard server (bfpo-coordinator serve) and workers, vs raw libzmq.")

    @Option(help: "Shards.")
    var shards = 4

    @Option(help: "Workers.")
    var workers = 2

    @Option(help: "Rounds per worker (workers x rounds at most 16: the server holds at most 16 unreleased pushes of one key).")
    var rounds = 5

    @Option(help: "The bfpo-coordinator executable (default: the one beside this one).")
    var coordinator: String?

    @Option(help: "Write the result as a JSON line to this file.")
    var json: String?

    /// GPT-2 124M: 124 439 808 parameters.
    private static let model = GPT2Config(layers: 12, heads: 12, embedding: 768, positions: 1024, vocabulary: 50257)

    func validate() throws {
        guard shards >= 1, workers >= 1, rounds >= 1 else { throw ValidationError("--shards, --workers and --rounds must be at least 1") }
        guard workers * rounds <= 16 else { throw ValidationError("--workers x --rounds must be at most 16 (the pushes a server holds per key)") }
    }

    func run() throws {
        let parameters = ParameterLayout(config: Self.model).count
        guard parameters >= shards else { throw ValidationError("--shards must be at most \(parameters)") }
        let ranges = (0..<shards).map { s in (s * parameters / shards)..<((s + 1) * parameters / shards) }
        let bytes = Double(parameters * MemoryLayout<Float>.size)
        print("transfer  \(parameters) floats (\(String(format: "%.0f", bytes / 1e6)) MB) in \(shards) shards, \(workers) workers, \(rounds) rounds")

        let ps = try measureShardServer(ranges: ranges)
        let moved = bytes * 2 * Double(workers * rounds)
        let psRate = moved / ps / 1e9
        // Raw libzmq: the same bytes, as messages of the same frames, one DEALER to one ROUTER, zero-copy,
        // an I/O thread for each side.
        let raw = try RawThroughput.measure(bytesPerFrame: ranges[0].count * MemoryLayout<Float>.size, frames: shards,
                                            messages: 2 * workers * rounds, ioThreads: 2)
        print(String(format: "shard server      %.2f GB/s  (%.2f s for %.1f GB: pulls copied into the model's vector, pushes checked and held)",
                     psRate, ps, moved / 1e9))
        print(String(format: "raw libzmq        %.2f GB/s  (%.2f s, same bytes, zero-copy, nothing read)", raw.gigabytesPerSecond, raw.seconds))
        print(String(format: "ratio             %.0f%% of raw", 100 * psRate / raw.gigabytesPerSecond))
        if let json {
            let line = String(format: "{\"parameters\":%d,\"shards\":%d,\"workers\":%d,\"rounds\":%d,\"ps_gbps\":%.4f,\"raw_gbps\":%.4f,\"ratio\":%.4f}\n",
                              parameters, shards, workers, rounds, psRate, raw.gigabytesPerSecond, psRate / raw.gigabytesPerSecond)
            try line.write(toFile: json, atomically: true, encoding: .utf8)
        }
    }

    /// Seconds for every worker to finish its rounds against a `bfpo-coordinator serve` process, all
    /// running at once.
    private func measureShardServer(ranges: [Range<Int>]) throws -> Double {
        let port = Int.random(in: 30_000..<60_000)
        let control = "tcp://127.0.0.1:\(port)", data = "tcp://127.0.0.1:\(port + 1)"
        var configuration = ZMQCoordinatorTransport.Configuration(runID: Self.run, endpoint: control)
        configuration.checksRunID = false       // the server's hello names no run yet
        let transport = try ZMQCoordinatorTransport(configuration: configuration, context: try ZMQContext())
        defer { transport.close() }
        let server = try startServer(connect: control, bind: data)
        defer { if server.isRunning { server.terminate() } }

        let serverPeer = try assignEveryShard(ranges: ranges, over: transport)
        // Pushes carry the model's whole vector; pulls land in a vector of the same size. Both are
        // allocated and touched before the clock starts.
        let count = ranges.last!.upperBound
        let vectors = (0..<workers).map { _ -> (parameters: FloatBuffer, gradient: FloatBuffer) in
            let gradient = FloatBuffer(count: count)
            gradient.buffer.update(repeating: 0.5)
            return (FloatBuffer(count: count), gradient)
        }
        try Self.awaitServing(data)
        let finished = DispatchSemaphore(value: 0)
        let failures = Failures()
        let start = ContinuousClock.now
        for (w, vector) in vectors.enumerated() {
            let thread = Thread { [rounds] in
                do {
                    try Self.work(endpoint: data, context: try ZMQContext(), ranges: ranges, rounds: rounds, worker: UInt64(w + 1),
                                  parameters: vector.parameters, gradient: vector.gradient)
                } catch { failures.add(error) }
                finished.signal()
            }
            thread.start()
        }
        for _ in vectors { finished.wait() }
        let elapsed = start.duration(to: .now)
        if let error = failures.first { throw error }
        try stop(server, at: serverPeer, over: transport)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    private static let run = "bench-transfer"

    /// `bfpo-coordinator serve`, plain TCP on loopback, connecting to `connect` and serving on `bind`; should
    /// this command die before it stops the server, the server gives up 30 s after it last reached it.
    private func startServer(connect: String, bind: String) throws -> Process {
        let path = coordinator ?? Bundle.main.executableURL!.resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("bfpo-coordinator").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TransferError("\(path) is not an executable; give --coordinator")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["serve", "--connect", connect, "--bind", bind, "--insecure", "--name", "transfer-bench", "--log-level", "error",
                             "--give-up-after", "30"]
        try process.run()
        return process
    }

    /// Waits for the server's hello, then gives it every shard, its parameters 0.25 and its moments 0.
    /// - Returns: the server's control connection.
    private func assignEveryShard(ranges: [Range<Int>], over transport: ZMQCoordinatorTransport) throws -> PeerID {
        let deadline = ContinuousClock.now + .seconds(30)
        var server: PeerID?
        while server == nil {
            guard ContinuousClock.now < deadline else { throw TransferError("the shard server said no hello within 30 s") }
            if let (peer, message) = try transport.receive(timeout: .milliseconds(100)), case .serverHello = message.body { server = peer }
        }
        let count = ranges.last!.upperBound
        let values = FloatBuffer(count: count), moments = FloatBuffer(count: count)
        values.buffer.update(repeating: 0.25)
        moments.buffer.update(repeating: 0)
        func region(_ buffer: FloatBuffer, _ range: Range<Int>) -> WireMessage.Payload {
            .region(ZeroCopyRegion(pointer: UnsafeRawPointer(buffer.pointer + range.lowerBound),
                                   byteCount: range.count * MemoryLayout<Float>.size, owner: buffer))
        }
        let states = ranges.enumerated().map { index, range in
            Wire.ShardState(shardID: UInt32(index), offset: UInt64(range.lowerBound), count: UInt64(range.count), version: 0, optimizerSteps: 0)
        }
        let assignment = Wire.ServerAssignment(
            serverID: 1, modelConfigJSON: String(decoding: try JSONEncoder().encode(Self.model), as: UTF8.self),
            optimizerJSON: String(decoding: try JSONEncoder().encode(AdamW.Hyperparameters()), as: UTF8.self), shards: states)
        // No public copy: the run's compression is `none` (docs/wire-protocol.md, `ServerAssignment`).
        let frames = ranges.flatMap { [region(values, $0), region(moments, $0), region(moments, $0), .bytes([])] }
        try transport.send(WireMessage(.serverAssignment(assignment), runID: Self.run, frames: frames), to: server!)
        return server!
    }

    /// Returns once the server at `endpoint` answers a pull (it refuses them until it holds its shards).
    private static func awaitServing(_ endpoint: String) throws {
        let transport = try ZMQWorkerTransport(configuration: .init(endpoint: endpoint, runID: run), context: try ZMQContext())
        defer { transport.close() }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            try transport.send(WireMessage(.shardRequest(Wire.ShardRequest(workerID: 99, parameterSet: .policy, shardIDs: [0])), runID: run))
            if let reply = try transport.receive(timeout: .seconds(10)), case .shardReply = reply.body { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TransferError("the shard server did not serve its shards within 60 s")
    }

    /// Tells the server to stop and waits up to 10 s for it to exit.
    private func stop(_ server: Process, at peer: PeerID, over transport: ZMQCoordinatorTransport) throws {
        try transport.send(WireMessage(.stop(Wire.Stop(reason: "transfer benchmark done")), runID: Self.run), to: peer)
        let deadline = ContinuousClock.now + .seconds(10)
        while server.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if server.isRunning { server.terminate() }
    }

    /// One worker's rounds: each shard pulled whole in its own request and copied into `parameters`, then
    /// one gradient part with every shard's frame, as `WorkerSession` sends it, answered accepted.
    private static func work(endpoint: String, context: ZMQContext, ranges: [Range<Int>], rounds: Int, worker: UInt64,
                             parameters: FloatBuffer, gradient: FloatBuffer) throws {
        let transport = try ZMQWorkerTransport(configuration: .init(endpoint: endpoint, runID: run), context: context)
        defer { transport.close() }
        let metrics = try PreferenceMetrics(
            pairs: 1, lossSum: 0, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: 0, accuratePairs: 0, safeChosenPairs: 0,
            safeChosenRewardSum: 0, unsafeChosenRewardSum: 0, policyChosenLogProbSum: 0, policyRejectedLogProbSum: 0)
        func answer() throws -> WireMessage {
            guard let reply = try transport.receive(timeout: .seconds(60)) else { throw WireError.sendTimedOut(milliseconds: 60_000) }
            if case .refused(let refused) = reply.body { throw TransferError("the shard server refused: \(refused.reason)") }
            return reply
        }
        for round in 0..<rounds {
            for (id, range) in ranges.enumerated() {
                let request = Wire.ShardRequest(workerID: worker, parameterSet: .policy, shardIDs: [UInt32(id)])
                try transport.send(WireMessage(.shardRequest(request), runID: run))
                let reply = try answer()
                try reply.requireFrameCount(1)
                let view = try TensorFrame.floats(reply.frames[0], expectedCount: range.count, frame: "shard \(id)")
                view.withUnsafeBufferPointer { (parameters.pointer + range.lowerBound).update(from: $0.baseAddress!, count: $0.count) }
            }
            let frames: [WireMessage.Payload] = ranges.map {
                .region(ZeroCopyRegion(pointer: UnsafeRawPointer(gradient.pointer + $0.lowerBound),
                                       byteCount: $0.count * MemoryLayout<Float>.size, owner: gradient))
            }
            let push = Wire.GradientPush(workerID: worker, leaseID: UInt64(round + 1), batchID: UInt64(round), shardVersions: ranges.map { _ in 0 },
                                         metrics: metrics, tokens: 1, computeSeconds: 0, shardIDs: ranges.indices.map(UInt32.init))
            try transport.send(WireMessage(.gradientPush(push), runID: run, frames: frames))
            guard case .pushReply(let reply) = try answer().body, reply.accepted else {
                throw TransferError("the shard server did not accept round \(round)'s push of worker \(worker)")
            }
        }
    }
}

/// Why the shard server could not be measured.
private struct TransferError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Errors of the worker threads. `@unchecked Sendable`: `lock` guards `errors`.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func add(_ error: Error) { lock.withLock { errors.append(error) } }
    var first: Error? { lock.withLock { errors.first } }
}
