import Foundation
import Testing
@testable import Shared

extension WireTests {
    @Suite struct Heartbeats {
        /// A coordinator that forgot the sender answers its heartbeat with a request to register again;
        /// the thread keeps it for the session, once, and only for the membership it beats for now.
        @Test func aRequestToRegisterAgainAnsweringAHeartbeatIsKeptForTheSession() throws {
            let network = InProcessNetwork()
            let coordinator = try network.listener(at: "inproc://heartbeats", runID: "run")
            let heartbeat = HeartbeatThread(endpoint: "inproc://heartbeats", network: network)
            defer { heartbeat.stop() }
            heartbeat.beat(worker: 7, run: "run", every: 0.02)
            let first = try #require(try coordinator.receive(timeout: .seconds(5)))
            #expect(first.message.body == .heartbeat(Wire.Heartbeat(workerID: 7)))
            #expect(heartbeat.takeRegisterAgain() == nil)
            try coordinator.send(WireMessage(.refused(Wire.Refused(reason: "not a member", registerAgain: false)), runID: "run"), to: first.peer)
            try coordinator.send(WireMessage(.refused(Wire.Refused(reason: "worker 7 is not a member", registerAgain: true)), runID: "run"),
                                 to: first.peer)
            let deadline = Date().addingTimeInterval(5)
            var kept: String?
            while kept == nil, Date() < deadline {
                kept = heartbeat.takeRegisterAgain()
                Thread.sleep(forTimeInterval: 0.01)
            }
            #expect(kept == "worker 7 is not a member")
            #expect(heartbeat.takeRegisterAgain() == nil)

            // Registered again, with the same id in the same run (a restarted coordinator may do that):
            // a late refusal of the membership before is not taken for one of the new.
            heartbeat.beat(worker: 7, run: "run", every: 0.02)
            try? coordinator.send(WireMessage(.refused(Wire.Refused(reason: "late", registerAgain: true)), runID: "run"), to: first.peer)
            var next = try #require(try coordinator.receive(timeout: .seconds(5)))
            while next.peer == first.peer { next = try #require(try coordinator.receive(timeout: .seconds(5))) }
            #expect(next.message.body == .heartbeat(Wire.Heartbeat(workerID: 7)))
            Thread.sleep(forTimeInterval: 0.1)
            #expect(heartbeat.takeRegisterAgain() == nil)
        }
    }
}
