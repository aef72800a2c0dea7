import Foundation
import Testing
@testable import Shared

/// A coordinator transport on an ephemeral loopback port and a worker transport connected to it.
private func loopbackPair(runID: String = "run") throws -> (ZMQContext, ZMQCoordinatorTransport, ZMQWorkerTransport) {
    let context = try ZMQContext()
    let coordinator = try ZMQCoordinatorTransport(
        configuration: .init(runID: runID, endpoint: "tcp://127.0.0.1:*"), context: context)
    var configuration = ZMQWorkerTransport.Configuration(endpoint: coordinator.endpoint)
    configuration.sendTimeoutMilliseconds = 2000
    let worker = try ZMQWorkerTransport(configuration: configuration, context: context)
    return (context, coordinator, worker)
}

extension WireTests {
    @Suite struct ZeroMQ {
        @Test func coordinatorBindsOnlyExplicitAddresses() throws {
            let context = try ZMQContext()
            for endpoint in ["tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://[::]:5555", "tcp://:5555", "127.0.0.1:5555"] {
                #expect(throws: WireError.self, "\(endpoint) was accepted") {
                    _ = try ZMQCoordinatorTransport(configuration: .init(runID: "r", endpoint: endpoint), context: context)
                }
            }
            let transport = try ZMQCoordinatorTransport(configuration: .init(runID: "r", endpoint: "tcp://127.0.0.1:*"), context: context)
            #expect(transport.endpoint.hasPrefix("tcp://127.0.0.1:"))
            #expect(Int(transport.endpoint.split(separator: ":").last!)! > 0)
        }

        @Test func wrongVersionAndWrongRunAreRefusedOverZeroMQ() throws {
            let (context, coordinator, _) = try loopbackPair(runID: "run-A")
            // A raw DEALER, so that the test can send what a well-behaved worker never would.
            let dealer = try ZMQSocket(context: context, type: .dealer)
            try dealer.set(.sendTimeout(milliseconds: 2000))
            try dealer.connect(coordinator.endpoint)
            func send(_ envelope: Envelope) throws { try dealer.send(frames: [.bytes(WireCodec.encode(envelope))]) }
            func refusal() throws -> (Envelope, Wire.Refused) {
                let frames = try #require(try dealer.receive(timeout: .seconds(2)))
                let envelope = try frames[0].withUnsafeBytes { try WireCodec.decode($0) }
                guard case .refused(let refused) = envelope.body else { throw WireError.missingBody }
                return (envelope, refused)
            }

            let next = Wire.protocolVersion + 1
            try send(Envelope(protocolVersion: next, runID: "run-A", body: .heartbeat(Wire.Heartbeat(workerID: 1))))
            #expect(try coordinator.receive(timeout: .milliseconds(100)) == nil)
            let (envelope, versionRefusal) = try refusal()
            #expect(envelope.protocolVersion == Wire.protocolVersion && envelope.runID == "run-A")
            #expect(versionRefusal.reason == "message refused: protocol version \(next) is not supported: this peer speaks version \(Wire.protocolVersion)")

            try send(Envelope(runID: "run-B", body: .workRequest(Wire.WorkRequest(workerID: 1))))
            #expect(try coordinator.receive(timeout: .milliseconds(100)) == nil)
            #expect(try refusal().1.reason == "message refused: run id \"run-B\" does not match this run (\"run-A\")")

            try dealer.send(frames: [.bytes([0x0A, 0xFF])])
            #expect(try coordinator.receive(timeout: .milliseconds(100)) == nil)
            #expect(try refusal().1.reason.contains("not a valid protobuf Envelope"))
            #expect(coordinator.counters.refused == 3 && coordinator.counters.received == 0)

            // A Register may come without a run id, and is surfaced.
            try send(Envelope(runID: "", body: .register(Wire.Register(workerName: "w", threads: 1))))
            let registered = try #require(try coordinator.receive(timeout: .seconds(2)))
            #expect(registered.message.body == .register(Wire.Register(workerName: "w", threads: 1)))
        }

        @Test func largeFloatFramesTravelZeroCopyBothWaysAndOwnersAreReleased() throws {
            let (_, coordinator, worker) = try loopbackPair()
            let count = 4 << 20  // 16 MiB of float32
            // value(i) = (i mod 65536)/2 + seed: one period is computed, the rest copied (debug builds
            // make element loops over 4M values slow), and compared period by period with memcmp.
            let period = 65_536
            func fill(_ buffer: FloatBuffer, seed: Float) {
                for i in 0..<period { buffer.pointer[i] = Float(i) * 0.5 + seed }
                for start in stride(from: period, to: buffer.count, by: period) {
                    (buffer.pointer + start).update(from: buffer.pointer, count: period)
                }
            }
            func mismatchedPeriods(_ values: UnsafeBufferPointer<Float>, seed: Float) -> Int {
                let expected = FloatBuffer(count: period)
                fill(expected, seed: seed)
                return stride(from: 0, to: values.count, by: period).filter {
                    memcmp(values.baseAddress! + $0, expected.pointer, period * 4) != 0
                }.count
            }
            weak var pushOwner: FloatBuffer?
            do {
                let gradient = FloatBuffer(count: count)
                fill(gradient, seed: -3)
                pushOwner = gradient
                let push = Wire.GradientPush(workerID: 1, leaseID: 2, batchID: 3, shardVersions: [7], metrics: PreferenceMetrics(),
                                             tokens: 10, computeSeconds: 0.5)
                try worker.send(WireMessage(.gradientPush(push), runID: "run", frames: [.floats(gradient), .copying([Float](arrayLiteral: 9))]))
            }
            let (peer, message) = try #require(try coordinator.receive(timeout: .seconds(5)))
            try message.requireFrameCount(2)
            let view = try TensorFrame.floats(message.frames[0], expectedCount: count, frame: "shard 0 gradient")
            #expect(view.isInPlace, "a 16 MiB frame should arrive aligned and be read in place")
            #expect(view.withUnsafeBufferPointer { mismatchedPeriods($0, seed: -3) } == 0)
            #expect(try TensorFrame.floats(message.frames[1], expectedCount: 1, frame: "small").array == [9])

            // libzmq releases the owner on its I/O thread once the bytes are written; wait for that, bounded.
            let deadline = Date().addingTimeInterval(2)
            while pushOwner != nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
            #expect(pushOwner == nil, "the gradient buffer was not released after the send")

            // The other direction with 1M floats, to keep the test fast in debug builds.
            let replyCount = 1 << 20
            weak var replyOwner: FloatBuffer?
            do {
                let shard = FloatBuffer(count: replyCount)
                fill(shard, seed: 1)
                replyOwner = shard
                let reply = Wire.ShardReply(parameterSet: .policy, shards: [Wire.ShardVersion(shardID: 0, version: 8)])
                try coordinator.send(WireMessage(.shardReply(reply), runID: "run", frames: [.floats(shard)]), to: peer)
            }
            worker.expectedRunID = "run"
            let received = try #require(try worker.receive(timeout: .seconds(5)))
            let shardView = try TensorFrame.floats(received.frames[0], expectedCount: replyCount, frame: "shard 0")
            #expect(shardView.withUnsafeBufferPointer { mismatchedPeriods($0, seed: 1) } == 0)
            let replyDeadline = Date().addingTimeInterval(2)
            while replyOwner != nil && Date() < replyDeadline { Thread.sleep(forTimeInterval: 0.001) }
            #expect(replyOwner == nil, "the shard buffer was not released after the send")
        }

        @Test func sendingToAVanishedPeerThrowsPeerUnreachable() throws {
            let (_, coordinator, worker) = try loopbackPair()
            try worker.send(WireMessage(.heartbeat(Wire.Heartbeat(workerID: 1)), runID: "run"))
            let (peer, _) = try #require(try coordinator.receive(timeout: .seconds(2)))
            worker.close()
            let deadline = Date().addingTimeInterval(2)
            var failure: Error?
            while failure == nil && Date() < deadline {
                do {
                    try coordinator.send(WireMessage(.stop(Wire.Stop(reason: "x")), runID: "run"), to: peer)
                    Thread.sleep(forTimeInterval: 0.005)
                } catch {
                    failure = error
                }
            }
            #expect(failure as? WireError == .peerUnreachable(peer: peer.description))
            #expect(throws: WireError.peerUnreachable(peer: PeerID(bytes: [0, 1, 2, 3, 4]).description)) {
                try coordinator.send(WireMessage(.stop(Wire.Stop(reason: "x")), runID: "run"), to: PeerID(bytes: [0, 1, 2, 3, 4]))
            }
        }

        @Test func aWorkerRefusesAMessageOfAnotherRunAndTellsTheCoordinator() throws {
            let (_, coordinator, worker) = try loopbackPair(runID: "run-A")
            worker.expectedRunID = "run-A"
            try worker.send(WireMessage(.heartbeat(Wire.Heartbeat(workerID: 4)), runID: "run-A"))
            let (peer, _) = try #require(try coordinator.receive(timeout: .seconds(2)))
            // The coordinator side would never send another run's message; forge one with a raw envelope.
            try coordinator.send(WireMessage(envelope: Envelope(runID: "run-A", body: .wait(Wire.Wait(retryMilliseconds: 5)))), to: peer)
            worker.expectedRunID = "run-Z"
            #expect(try worker.receive(timeout: .milliseconds(100)) == nil)
            #expect(worker.counters.refused == 1)
            let (_, refusal) = try #require(try coordinator.receive(timeout: .seconds(2)))
            guard case .refused(let r) = refusal.body else { Issue.record("expected a Refused, got \(refusal.body.name)"); return }
            #expect(r.reason == "message refused: run id \"run-A\" does not match this run (\"run-Z\")")
        }

        @Test func multipartFramesArriveWholeAndInOrderOverInprocPair() throws {
            let context = try ZMQContext()
            let a = try ZMQSocket(context: context, type: .pair)
            let b = try ZMQSocket(context: context, type: .pair)
            try a.bind("inproc://wire-test-\(UUID().uuidString)")
            try b.connect(try a.lastEndpoint())
            weak var weakOwner: FloatBuffer?
            do {
                let buffer = FloatBuffer([1, 2, 3, 4])
                weakOwner = buffer
                try a.send(frames: [.bytes([1]), .region(ZeroCopyRegion(floats: buffer, offset: 1, count: 2)), .bytes([])])
            }
            var frames = try #require(try b.receive(timeout: .seconds(1)))
            #expect(frames.map(\.count) == [1, 8, 0])
            #expect(frames[0].bytes == [1])
            #expect(try TensorFrame.floats(.received(frames[1]), expectedCount: 2, frame: "f").array == [2, 3])
            // Over inproc the receiver holds the sender's memory itself; dropping the frame releases the owner.
            #expect(weakOwner != nil)
            frames.removeAll()
            #expect(weakOwner == nil)
            #expect(try b.receive(timeout: .zero) == nil)
        }

        @Test func aClosedSocketThrowsClosed() throws {
            let socket = try ZMQSocket(context: try ZMQContext(), type: .dealer)
            socket.close()
            #expect(throws: WireError.closed) { try socket.connect("tcp://127.0.0.1:1") }
            #expect(throws: WireError.closed) { _ = try socket.receive(timeout: .zero) }
        }

        @Test func aBadEndpointIsAZMQErrorNamingTheFunction() throws {
            let socket = try ZMQSocket(context: try ZMQContext(), type: .router)
            do {
                try socket.bind("nonsense://x")
                Issue.record("bind accepted nonsense://x")
            } catch let error as ZMQError {
                #expect(error.function == "zmq_bind(nonsense://x)")
                #expect(!error.message.isEmpty)
            }
        }
    }
}
