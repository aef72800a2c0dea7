import ArgumentParser
import Foundation
import Shared

/// `bfpo-bench hostile`: how much memory peers that misbehave on purpose cost a running coordinator
/// (BENCHMARKS.md, "Hostile peers"). It plays admitted clients (an authenticated key is no reason for
/// trust) against the coordinator whose pid it is given, and reads that process's resident memory from
/// /proc while they act:
///
/// 1. **Unread pulls:** each client registers, then asks for every shard `--requests` times and never
///    reads a reply. What the coordinator may hold for it is bounded by its send high-water mark.
/// 2. **Flood:** each client sends `--flood` malformed messages as fast as it can, reading nothing.
/// 3. **Gone:** every client closes; what they cost should be given back.
struct HostileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostile",
        abstract: "Resident memory of a running coordinator while admitted clients pull without reading and flood it.")

    @Option(help: "The coordinator's endpoint.")
    var connect: String

    @Option(help: "The coordinator's process id (its memory is read from /proc/PID/status).")
    var pid: Int32

    @Option(help: "An admitted secret key file for the clients (see docs/security.md).")
    var key: String

    @Option(name: .customLong("coordinator-key"), help: "The coordinator's public key or its file.")
    var coordinatorKey: String

    @Option(help: "Clients.")
    var clients = 8

    @Option(help: "Unread pulls of every shard per client.")
    var requests = 200

    @Option(help: "Malformed messages per client.")
    var flood = 20_000

    func validate() throws {
        guard clients >= 1, requests >= 0, flood >= 0 else { throw ValidationError("--clients must be at least 1, the counts at least 0") }
    }

    func run() throws {
        let keyPair = try KeyFiles.readPair(secretKeyFile: key)
        let serverKey = try KeyFiles.publicKey(coordinatorKey)
        let context = try ZMQContext()
        var peak = try residentBytes()
        let before = peak
        func sample() throws { peak = max(peak, try residentBytes()) }

        var transports: [ZMQWorkerTransport] = []
        var shards: [UInt32] = []
        for i in 0..<clients {
            var configuration = ZMQWorkerTransport.Configuration(endpoint: connect)
            configuration.curve = (serverKey, keyPair)
            let transport = try ZMQWorkerTransport(configuration: configuration, context: context)
            try transport.send(WireMessage(.register(Wire.Register(workerName: "hostile-\(i)", threads: 1)), runID: ""))
            guard let reply = try transport.receive(timeout: .seconds(30)), case .welcome(let welcome) = reply.body else {
                throw ValidationError("client \(i) got no Welcome from \(connect)")
            }
            transport.expectedRunID = reply.envelope.runID
            shards = welcome.shards.filter { !$0.frozen }.map(\.shardID)
            for _ in 0..<requests {
                try transport.send(WireMessage(.shardRequest(Wire.ShardRequest(workerID: welcome.workerID, parameterSet: .policy, shardIDs: shards)),
                                               runID: reply.envelope.runID))
            }
            transports.append(transport)
            try sample()
        }
        Thread.sleep(forTimeInterval: 1)
        try sample()
        let afterPulls = peak
        print(String(format: "unread pulls  %d clients × %d pulls of %d shards: coordinator RSS %.1f MB -> peak %.1f MB (+%.1f MB)",
                     clients, requests, shards.count, mb(before), mb(afterPulls), mb(afterPulls - before)))

        // Raw sockets: what a flooder sends is not a protocol message at all.
        var flooders: [ZMQSocket] = []
        for _ in 0..<clients {
            let socket = try ZMQSocket(context: context, type: .dealer)
            try socket.set(.curveClient(serverKey: serverKey.bytes, publicKey: keyPair.publicKey.bytes, secretKey: keyPair.secretKey.bytes))
            try socket.set(.sendTimeout(milliseconds: 2000))
            try socket.connect(connect)
            // Blocking sends: as fast as the coordinator takes them, which is what a flood can achieve.
            for _ in 0..<flood { _ = try? socket.send(frames: [.bytes([0xFF, 0x01, 0x02]), .bytes([UInt8](repeating: 0xFF, count: 64))]) }
            flooders.append(socket)
            try sample()
        }
        Thread.sleep(forTimeInterval: 1)
        try sample()
        print(String(format: "flood         %d clients × %d malformed messages: peak %.1f MB (+%.1f MB over the start)",
                     clients, flood, mb(peak), mb(peak - before)))

        transports.forEach { $0.close() }
        flooders.forEach { $0.close() }
        Thread.sleep(forTimeInterval: 3)
        let after = try residentBytes()
        print(String(format: "gone          3 s after the clients closed: %.1f MB (%+.1f MB over the start)", mb(after), mb(after - before)))
    }

    private func mb(_ bytes: Int) -> Double { Double(bytes) / 1e6 }

    /// VmRSS of `pid`, in bytes.
    private func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else {
            throw ValidationError("no VmRSS for process \(pid)")
        }
        return kilobytes * 1024
    }
}
