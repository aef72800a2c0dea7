import Foundation
import Testing
@testable import Shared

extension WireTests {
    @Suite struct InProcess {
        @Test func inProcessTransportDeliversInOrderBothWays() throws {
            let (coordinator, workers) = InProcessTransport.make(workers: 2, runID: "run")
            for i in 0..<50 {
                try workers[i % 2].send(WireMessage(.heartbeat(Wire.Heartbeat(workerID: UInt64(i))), runID: "run"))
            }
            var seen: [PeerID: [UInt64]] = [:]
            while let item = try coordinator.receive(timeout: .zero) {
                guard case .heartbeat(let h) = item.message.body else { Issue.record("unexpected \(item.message.body.name)"); continue }
                seen[item.peer, default: []].append(h.workerID)
            }
            #expect(seen[workers[0].peer] == Array(stride(from: 0, to: 50, by: 2)))
            #expect(seen[workers[1].peer] == Array(stride(from: 1, to: 50, by: 2)))

            let shard = FloatBuffer([1, 2, 3])
            for version in 1...3 {
                try coordinator.send(WireMessage(.shardReply(Wire.ShardReply(
                    parameterSet: .policy, shards: [Wire.ShardVersion(shardID: 0, version: UInt64(version))])), runID: "run",
                    frames: [.floats(shard)]), to: workers[1].peer)
            }
            workers[1].expectedRunID = "run"
            for version in 1...3 {
                let message = try #require(try workers[1].receive(timeout: .seconds(1)))
                #expect(message.body == .shardReply(Wire.ShardReply(parameterSet: .policy, shards: [Wire.ShardVersion(shardID: 0, version: UInt64(version))])))
                #expect(try TensorFrame.floats(message.frames[0], expectedCount: 3, frame: "shard 0").array == [1, 2, 3])
            }
            #expect(try workers[0].receive(timeout: .milliseconds(5)) == nil)
        }

        @Test func inProcessTransportWakesAWaitingReceiver() throws {
            let (coordinator, workers) = InProcessTransport.make(workers: 1, runID: "run")
            let worker = workers[0]
            let thread = Thread {
                Thread.sleep(forTimeInterval: 0.02)
                try? worker.send(WireMessage(.workRequest(Wire.WorkRequest(workerID: 9)), runID: "run"))
            }
            thread.start()
            let received = try #require(try coordinator.receive(timeout: .seconds(5)))
            #expect(received.message.body == .workRequest(Wire.WorkRequest(workerID: 9)))
        }

        @Test func inProcessCoordinatorRefusesWrongRunAndGarbageWithARefused() throws {
            let (coordinator, workers) = InProcessTransport.make(workers: 1, runID: "run-A")
            let worker = workers[0]
            try worker.send(WireMessage(.register(Wire.Register(workerName: "w", threads: 2)), runID: ""))
            try worker.send(WireMessage(.heartbeat(Wire.Heartbeat(workerID: 1)), runID: "run-B"))
            try worker.sendRaw(header: [0xFF, 0xFF, 0xFF])
            let first = try #require(try coordinator.receive(timeout: .zero))
            #expect(first.message.body == .register(Wire.Register(workerName: "w", threads: 2)))
            #expect(try coordinator.receive(timeout: .zero) == nil)
            #expect(coordinator.counters.refused == 2)
            #expect(coordinator.counters.received == 1)

            let runRefusal = try #require(try worker.receive(timeout: .zero))
            #expect(runRefusal.envelope.runID == "run-A")
            #expect(runRefusal.body == .refused(Wire.Refused(reason: "message refused: run id \"run-B\" does not match this run (\"run-A\")")))
            let garbageRefusal = try #require(try worker.receive(timeout: .zero))
            guard case .refused(let r) = garbageRefusal.body else { Issue.record("expected a Refused"); return }
            #expect(r.reason.contains("not a valid protobuf Envelope"))
        }

        @Test func sendingToAClosedInProcessWorkerFails() throws {
            let (coordinator, workers) = InProcessTransport.make(workers: 1, runID: "run")
            workers[0].close()
            #expect(throws: WireError.peerUnreachable(peer: workers[0].peer.description)) {
                try coordinator.send(WireMessage(.stop(Wire.Stop(reason: "done")), runID: "run"), to: workers[0].peer)
            }
            coordinator.close()
            #expect(throws: WireError.closed) {
                try workers[0].send(WireMessage(.heartbeat(Wire.Heartbeat(workerID: 1)), runID: "run"))
            }
        }
    }
}
