import Testing
@testable import Coordinator
@testable import Shared

/// Held work requests come back idle workers' first, and a request asked ahead is marked as waiting behind
/// an idle worker's.
struct ParkedRequestsTests {
    func request(_ worker: UInt64, ahead: Bool, since: Double = 0) -> ParkedRequests.Request {
        ParkedRequests.Request(worker: worker, peer: PeerID(bytes: [UInt8(worker)]), since: since, ahead: ahead)
    }

    @Test func idleWorkersComeFirstThenThoseAskingAhead() {
        var parked = ParkedRequests()
        #expect(parked.isEmpty)
        for (worker, ahead) in [(4, true), (3, false), (1, true), (2, false)] { parked.park(request(UInt64(worker), ahead: ahead)) }
        #expect(parked.holdsIdleWorker)
        #expect(parked.takeAll().map(\.worker) == [2, 3, 1, 4])
        #expect(parked.isEmpty)
        #expect(parked.takeAll().isEmpty)
    }

    @Test func onlyRequestsAskedAheadHoldNoIdleWorker() {
        var parked = ParkedRequests()
        parked.park(request(1, ahead: true))
        #expect(!parked.holdsIdleWorker)
        // A worker's newer request replaces its older one.
        parked.park(request(1, ahead: false, since: 5))
        #expect(parked.holdsIdleWorker)
        #expect(parked.takeAll() == [request(1, ahead: false, since: 5)])
    }
}
