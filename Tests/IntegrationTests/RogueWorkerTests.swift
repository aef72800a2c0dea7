import Foundation
import Testing
@testable import Shared

struct UnexpectedReply: Error { let name: String }

/// A client speaking the protocol badly against a real coordinator: every malformed message is refused
/// with a reason and has no effect — the run still ends bit-identical to an undisturbed one.
struct RogueWorkerTests {
    @Test func malformedFramesAndWrongSizedGradientsAreRefusedWithoutEffect() throws {
        let clean = try LocalCluster()
        try clean.startCoordinator()
        try clean.startWorker("w")
        #expect(clean.waitForExit("coordinator") == 0, "\(clean.log("coordinator"))")

        let cluster = try LocalCluster()
        try cluster.startCoordinator()
        try cluster.startWorker("w")
        guard cluster.waitUntil("training to start", { cluster.log("coordinator").contains("training starts") }) else { return }

        // The rogue holds an admitted key: authentication does not make its messages trusted.
        let context = try ZMQContext()
        let credentials = try cluster.curveClient("rogue")
        var configuration = ZMQWorkerTransport.Configuration(endpoint: cluster.endpoint)
        configuration.curve = credentials
        let rogue = try ZMQWorkerTransport(configuration: configuration, context: context)
        defer { rogue.close() }
        func exchange(_ message: WireMessage) throws -> WireMessage {
            try rogue.send(message)
            return try #require(try rogue.receive(timeout: .seconds(10)))
        }

        // A header frame that is not a protobuf Envelope: refused by the transport, with the reason.
        let socket = try ZMQSocket(context: context, type: .dealer)
        defer { socket.close() }
        try socket.set(.curveClient(serverKey: credentials.serverKey.bytes, publicKey: credentials.keyPair.publicKey.bytes,
                                    secretKey: credentials.keyPair.secretKey.bytes))
        try socket.connect(cluster.endpoint)
        try socket.send(frames: [.bytes([0xFF, 0x01, 0x02, 0x03])])
        let garbageReply = try #require(try socket.receive(timeout: .seconds(10)))
        let refusal = try WireMessage(received: garbageReply[...])
        guard case .refused(let refused) = refusal.body else { Issue.record("expected Refused, got \(refusal.body.name)"); return }
        #expect(refused.reason.contains("message refused"))

        // Register, then a message of another run is refused.
        let welcomeMessage = try exchange(WireMessage(.register(Wire.Register(workerName: "rogue", threads: 1)), runID: ""))
        guard case .welcome(let welcome) = welcomeMessage.body else { Issue.record("expected Welcome, got \(welcomeMessage.body)"); return }
        let run = welcomeMessage.envelope.runID
        rogue.expectedRunID = run
        let otherRun = try exchange(WireMessage(.workRequest(Wire.WorkRequest(workerID: welcome.workerID)), runID: "another-run"))
        guard case .refused(let wrongRun) = otherRun.body else { Issue.record("expected Refused for another run"); return }
        #expect(wrongRun.reason.contains("another-run"))

        // Take a gradient lease, then push malformed gradients for it.
        var lease: Wire.Lease?
        for _ in 0..<500 where lease == nil {
            let reply = try exchange(WireMessage(.workRequest(Wire.WorkRequest(workerID: welcome.workerID)), runID: run))
            if case .lease(let granted) = reply.body { lease = granted } else { Thread.sleep(forTimeInterval: 0.005) }
        }
        let granted = try #require(lease)
        func push(_ frames: [[Float]], pairs: Int) throws -> Wire.PushReply {
            let metrics = try PreferenceMetrics(
                pairs: pairs, lossSum: 1, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: pairs, accuratePairs: 0,
                safeChosenPairs: 0, safeChosenRewardSum: 0, unsafeChosenRewardSum: 0, policyChosenLogProbSum: -1,
                policyRejectedLogProbSum: -1)
            // One part naming every shard, then, if it is taken, the closing push with the metrics.
            var header = Wire.GradientPush(
                workerID: welcome.workerID, leaseID: granted.leaseID, batchID: granted.batchID, shardVersions: granted.shardVersions,
                metrics: metrics, tokens: 10, computeSeconds: 0.1, shardIDs: welcome.shards.map(\.shardID))
            let part = try exchange(WireMessage(.gradientPush(header), runID: run, frames: frames.map { .copying($0) }))
            guard case .pushReply(let taken) = part.body else { throw UnexpectedReply(name: part.body.name) }
            guard taken.accepted else { return taken }
            header.shardIDs = []
            let closing = try exchange(WireMessage(.gradientPush(header), runID: run))
            guard case .pushReply(let outcome) = closing.body else { throw UnexpectedReply(name: closing.body.name) }
            return outcome
        }
        let sizes = welcome.shards.map { Int($0.count) }
        let wrongSize = try push(sizes.enumerated().map { [Float](repeating: 0.5, count: $0.offset == 1 ? $0.element - 1 : $0.element) },
                                 pairs: Int(granted.pairs))
        #expect(!wrongSize.accepted && wrongSize.reason.contains("gradient shard 1"), "\(wrongSize.reason)")
        let notFinite = try push(sizes.map { [Float](repeating: .nan, count: $0) }, pairs: Int(granted.pairs))
        #expect(!notFinite.accepted && notFinite.reason.lowercased().contains("finite"), "\(notFinite.reason)")
        let missingShard = try push(sizes.dropLast().map { [Float](repeating: 0.5, count: $0) }, pairs: Int(granted.pairs))
        #expect(!missingShard.accepted, "\(missingShard.reason)")
        let wrongPairs = try push(sizes.map { [Float](repeating: 0.5, count: $0) }, pairs: Int(granted.pairs) + 1)
        #expect(!wrongPairs.accepted && wrongPairs.reason.contains("reports"), "\(wrongPairs.reason)")

        // Numbers that would trap a conversion or overflow a sum are refused, and the coordinator lives on.
        func refusalReason(_ body: WireBody) throws -> String {
            let reply = try exchange(WireMessage(body, runID: run))
            guard case .refused(let refused) = reply.body else { throw UnexpectedReply(name: reply.body.name) }
            return refused.reason
        }
        let metrics = try PreferenceMetrics(
            pairs: Int(granted.pairs), lossSum: 1.7e308, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: 0, accuratePairs: 0,
            safeChosenPairs: 0, safeChosenRewardSum: 0, unsafeChosenRewardSum: 0, policyChosenLogProbSum: -1, policyRejectedLogProbSum: -1)
        let header = Wire.GradientPush(workerID: welcome.workerID, leaseID: granted.leaseID, batchID: granted.batchID,
                                       shardVersions: granted.shardVersions, metrics: metrics, tokens: 10, computeSeconds: 0.1)
        var hugeBatch = header, hugeTokens = header
        hugeBatch.batchID = 1 << 63
        hugeTokens.tokens = .max
        #expect(try refusalReason(.gradientPush(hugeBatch)).contains("batch_id"))
        #expect(try refusalReason(.gradientPush(hugeTokens)).contains("tokens"))
        #expect(try refusalReason(.gradientPush(header)).contains("1.7e+308"))
        #expect(try refusalReason(.referencePush(Wire.ReferencePush(workerID: welcome.workerID, leaseID: granted.leaseID, batchID: .max))).contains("batch_id"))
        let huge = try push(sizes.map { [Float](repeating: 3e38, count: $0) }, pairs: Int(granted.pairs))
        #expect(!huge.accepted && huge.reason.contains("2^101"), "\(huge.reason)")

        // The rogue goes silent; its lease goes back to the queue and the real worker finishes the run.
        rogue.close()
        #expect(cluster.waitForExit("coordinator", timeout: 90) == 0, "\(cluster.log("coordinator"))")
        #expect(cluster.log("coordinator").contains("rogue (worker"))
        #expect(try clean.finalCheckpointFile("model.safetensors") == cluster.finalCheckpointFile("model.safetensors"))
        #expect(try clean.finalCheckpointFile("optimizer.safetensors") == cluster.finalCheckpointFile("optimizer.safetensors"))
    }
}
