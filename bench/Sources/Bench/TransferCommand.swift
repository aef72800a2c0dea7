import ArgumentParser
import Foundation
import Shared

/// `bfpo-bench transfer`: the parameter server's data path for a GPT-2 124M-sized vector, beside raw
/// libzmq moving the same bytes in the same run (BENCHMARKS.md).
///
/// A coordinator thread (ROUTER) serves shard pulls with zero-copy frames of its published buffers and
/// checks every pushed gradient frame in place (size, every value finite), as the coordinator does
/// before accepting a push; two worker threads (DEALER) pull every shard, copy each into the vector
/// their model reads, and push a gradient of the same size as zero-copy frames. One round is one pull
/// and one push of the whole vector per worker.
///
/// The coordinator and each worker have a libzmq context (and so an I/O thread) of their own, as they do
/// as separate processes; the raw baseline likewise gives its sender and its receiver an I/O thread each
/// (one context with 2 I/O threads). On one shared I/O thread every frame of both directions would queue
/// behind the same thread's receive page faults, which no deployment does.
struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Pull + push of a 124M-float parameter vector between a coordinator and 2 workers, vs raw libzmq.")

    @Option(help: "Floats in the parameter vector (the default is GPT-2 124M's count).")
    var parameters = 124_439_808

    @Option(help: "Shards.")
    var shards = 4

    @Option(help: "Workers.")
    var workers = 2

    @Option(help: "Rounds per worker.")
    var rounds = 5

    @Option(help: "Write the result as a JSON line to this file.")
    var json: String?

    func validate() throws {
        guard shards >= 1, workers >= 1, rounds >= 1 else { throw ValidationError("--shards, --workers and --rounds must be at least 1") }
        guard parameters >= shards else { throw ValidationError("--parameters must be at least --shards (\(shards))") }
    }

    func run() throws {
        let ranges = (0..<shards).map { s in (s * parameters / shards)..<((s + 1) * parameters / shards) }
        let bytes = Double(parameters * MemoryLayout<Float>.size)
        print("transfer  \(parameters) floats (\(String(format: "%.0f", bytes / 1e6)) MB) in \(shards) shards, \(workers) workers, \(rounds) rounds")

        let ps = try measureParameterServer(ranges: ranges)
        let moved = bytes * 2 * Double(workers * rounds)
        let psRate = moved / ps / 1e9
        // Raw libzmq: the same bytes, as messages of the same frames, one DEALER to one ROUTER, zero-copy,
        // an I/O thread for each side.
        let raw = try RawThroughput.measure(bytesPerFrame: ranges[0].count * MemoryLayout<Float>.size, frames: shards,
                                            messages: 2 * workers * rounds, ioThreads: 2)
        print(String(format: "parameter server  %.2f GB/s  (%.2f s for %.1f GB: pulls copied into the model's vector, pushes checked finite)",
                     psRate, ps, moved / 1e9))
        print(String(format: "raw libzmq        %.2f GB/s  (%.2f s, same bytes, zero-copy, nothing read)", raw.gigabytesPerSecond, raw.seconds))
        print(String(format: "ratio             %.0f%% of raw", 100 * psRate / raw.gigabytesPerSecond))
        if let json {
            let line = String(format: "{\"parameters\":%d,\"shards\":%d,\"workers\":%d,\"rounds\":%d,\"ps_gbps\":%.4f,\"raw_gbps\":%.4f,\"ratio\":%.4f}\n",
                              parameters, shards, workers, rounds, psRate, raw.gigabytesPerSecond, psRate / raw.gigabytesPerSecond)
            try line.write(toFile: json, atomically: true, encoding: .utf8)
        }
    }

    /// Seconds for every worker to finish its rounds, all running at once.
    private func measureParameterServer(ranges: [Range<Int>]) throws -> Double {
        let context = try ZMQContext(ioThreads: 1)
        let endpoint = "tcp://127.0.0.1:\(Int.random(in: 30_000..<60_000))"
        let coordinator = try ZMQCoordinatorTransport(configuration: .init(runID: "bench", endpoint: endpoint), context: context)
        let published = ranges.map { range -> FloatBuffer in
            let buffer = FloatBuffer(count: range.count)
            buffer.buffer.update(repeating: 0.25)
            return buffer
        }
        // Each worker's parameter vector and gradient are allocated and touched before the clock starts:
        // first-touch page faults of a gigabyte of set-up are not part of the data path.
        let vectors = (0..<workers).map { _ -> (parameters: FloatBuffer, gradient: FloatBuffer) in
            let gradient = FloatBuffer(count: ranges.last!.upperBound)
            gradient.buffer.update(repeating: 0.5)
            return (FloatBuffer(count: ranges.last!.upperBound), gradient)
        }
        let finished = DispatchSemaphore(value: 0)
        let failures = Failures()
        let start = ContinuousClock.now
        for (w, vector) in vectors.enumerated() {
            let thread = Thread {
                do {
                    try Self.work(endpoint: endpoint, context: try ZMQContext(), ranges: ranges, rounds: rounds,
                                  parameters: vector.parameters, gradient: vector.gradient, name: "w\(w)")
                } catch { failures.add(error) }
                finished.signal()
            }
            thread.start()
        }
        var done = 0
        while done < workers {
            if let (peer, message) = try coordinator.receive(timeout: .milliseconds(10)) {
                switch message.body {
                case .shardRequest(let request):
                    let frames: [WireMessage.Payload] = request.shardIDs.map { .floats(published[Int($0)]) }
                    let entries = request.shardIDs.map { Wire.ShardVersion(shardID: $0, version: 0) }
                    try coordinator.send(WireMessage(.shardReply(Wire.ShardReply(parameterSet: .policy, shards: entries)), runID: "bench",
                                                     frames: frames), to: peer)
                case .gradientPush(let push):
                    try message.requireFrameCount(ranges.count)
                    for (frame, range) in zip(message.frames, ranges) {
                        _ = try TensorFrame.floats(frame, expectedCount: range.count, frame: "gradient")
                    }
                    try coordinator.send(WireMessage(.pushReply(Wire.PushReply(leaseID: push.leaseID, accepted: true)), runID: "bench"), to: peer)
                default:
                    break
                }
            }
            while finished.wait(timeout: .now()) == .success { done += 1 }
        }
        let elapsed = start.duration(to: .now)
        coordinator.close()
        if let error = failures.first { throw error }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    private static func work(endpoint: String, context: ZMQContext, ranges: [Range<Int>], rounds: Int,
                             parameters: FloatBuffer, gradient: FloatBuffer, name: String) throws {
        let transport = try ZMQWorkerTransport(configuration: .init(endpoint: endpoint, runID: "bench"), context: context)
        defer { transport.close() }
        let metrics = try PreferenceMetrics(
            pairs: 1, lossSum: 0, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: 0, accuratePairs: 0, safeChosenPairs: 0,
            safeChosenRewardSum: 0, unsafeChosenRewardSum: 0, policyChosenLogProbSum: 0, policyRejectedLogProbSum: 0)
        for round in 0..<rounds {
            let request = Wire.ShardRequest(workerID: 1, parameterSet: .policy, shardIDs: (0..<ranges.count).map(UInt32.init))
            try transport.send(WireMessage(.shardRequest(request), runID: "bench"))
            guard let reply = try transport.receive(timeout: .seconds(60)) else { throw WireError.sendTimedOut(milliseconds: 60_000) }
            for (frame, range) in zip(reply.frames, ranges) {
                let view = try TensorFrame.floats(frame, expectedCount: range.count, frame: "shard")
                view.withUnsafeBufferPointer { (parameters.pointer + range.lowerBound).update(from: $0.baseAddress!, count: $0.count) }
            }
            let frames: [WireMessage.Payload] = ranges.map {
                .region(ZeroCopyRegion(pointer: UnsafeRawPointer(gradient.pointer + $0.lowerBound),
                                       byteCount: $0.count * MemoryLayout<Float>.size, owner: gradient))
            }
            let push = Wire.GradientPush(workerID: 1, leaseID: UInt64(round + 1), batchID: UInt64(round), shardVersions: ranges.map { _ in 0 },
                                         metrics: metrics, tokens: 1, computeSeconds: 0)
            try transport.send(WireMessage(.gradientPush(push), runID: "bench", frames: frames))
            guard try transport.receive(timeout: .seconds(60)) != nil else { throw WireError.sendTimedOut(milliseconds: 60_000) }
        }
    }
}

/// Errors of the worker threads. `@unchecked Sendable`: `lock` guards `errors`.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func add(_ error: Error) { lock.withLock { errors.append(error) } }
    var first: Error? { lock.withLock { errors.first } }
}
