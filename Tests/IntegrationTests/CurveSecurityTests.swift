import Foundation
import Testing
@testable import Shared

/// CurveZMQ between real processes: a key that is not on the run's allowlist never reaches the
/// coordinator, an admitted key cannot speak for another worker, a worker without keys says what it
/// needs, and `--insecure` still trains, loudly.
struct CurveSecurityTests {
    private func client(_ cluster: LocalCluster, _ context: ZMQContext, keyPair: CurveKeyPair) throws -> ZMQWorkerTransport {
        var configuration = ZMQWorkerTransport.Configuration(endpoint: cluster.endpoint)
        configuration.curve = (cluster.coordinatorKeys.publicKey, keyPair)
        configuration.sendTimeoutMilliseconds = 1000
        return try ZMQWorkerTransport(configuration: configuration, context: context)
    }

    @Test func strangersAreNeverHeardAndMembersCannotSpeakForOthers() throws {
        // 240 steps: the run must outlast the checks below (12 steps end within a second or two).
        let cluster = try LocalCluster(pairs: 480)
        try cluster.startCoordinator()
        try cluster.startWorker("w")
        guard cluster.waitUntil("training to start", { cluster.log("coordinator").contains("training starts") }) else { return }
        let context = try ZMQContext()

        let strangerKeys = try CurveKeyPair.generate()
        let stranger = try client(cluster, context, keyPair: strangerKeys)
        defer { stranger.close() }
        #expect(throws: WireError.sendTimedOut(milliseconds: 1000)) {
            try stranger.send(WireMessage(.register(Wire.Register(workerName: "stranger", threads: 1)), runID: ""))
        }
        #expect(cluster.waitUntil(timeout: 10, "the refusal in the log") {
            cluster.log("coordinator").contains("refused a connection from key \(strangerKeys.publicKey.z85)")
        })

        // An admitted client registers as itself, then names worker 1 (the real worker, the first to join).
        let member = try client(cluster, context, keyPair: try cluster.curveClient("member").keyPair)
        defer { member.close() }
        try member.send(WireMessage(.register(Wire.Register(workerName: "member", threads: 1)), runID: ""))
        let welcome = try #require(try member.receive(timeout: .seconds(10)))
        guard case .welcome(let joined) = welcome.body else { Issue.record("expected Welcome, got \(welcome.body.name)"); return }
        #expect(joined.workerID != 1)
        try member.send(WireMessage(.workRequest(Wire.WorkRequest(workerID: 1)), runID: welcome.envelope.runID))
        let reply = try #require(try member.receive(timeout: .seconds(10)))
        guard case .refused(let refused) = reply.body else { Issue.record("expected Refused, got \(reply.body.name)"); return }
        #expect(refused.reason == "worker 1 registered with another key; this connection may not speak for it" && !refused.registerAgain)

        member.close()
        #expect(cluster.waitForExit("coordinator", timeout: 90) == 0, "\(cluster.log("coordinator"))")
        #expect(cluster.metricsLines().count == 240)
    }

    @Test func aWorkerWithoutKeysSaysWhatItNeedsAndInsecureStillTrains() throws {
        let cluster = try LocalCluster()
        try cluster.startWorker("keyless", keys: [])
        #expect(cluster.waitForExit("keyless", timeout: 30) != 0)
        #expect(cluster.log("keyless").contains("give --key NAME.key"), "\(cluster.log("keyless"))")

        try cluster.startCoordinator(arguments: ["--insecure"])
        try cluster.startWorker("w", keys: ["--insecure"])
        #expect(cluster.waitForExit("coordinator", timeout: 90) == 0, "\(cluster.log("coordinator"))")
        for name in ["coordinator", "w"] {
            #expect(cluster.log(name).contains("WARNING: --insecure: connections are neither encrypted nor authenticated"))
        }
        #expect(cluster.metricsLines().count == 12)
    }
}
