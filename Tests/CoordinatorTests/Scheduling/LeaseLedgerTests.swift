import Testing
@testable import Coordinator

struct LeaseLedgerTests {
    @Test func leasesLowestPendingBatchFirstAndCompletesOnce() throws {
        var ledger = LeaseLedger()
        ledger.add([5, 2, 9])
        let first = try unwrap(ledger.lease(to: 1, now: 0, duration: 10))
        let second = try unwrap(ledger.lease(to: 2, now: 0, duration: 10))
        #expect(first.batch == 2 && second.batch == 5)
        try ledger.complete(lease: first.id, batch: 2, worker: 1)
        #expect(throws: LeaseLedger.Refusal.unknownLease(first.id)) { try ledger.complete(lease: first.id, batch: 2, worker: 1) }
        #expect(ledger.done == [2])
        #expect(ledger.pending == [9])
    }

    @Test func aWorkerHoldsAtMostTwoLeases() throws {
        var ledger = LeaseLedger()
        ledger.add(0..<4)
        let first = try unwrap(ledger.lease(to: 1, now: 0, duration: 10))
        _ = try unwrap(ledger.lease(to: 1, now: 0, duration: 10))
        #expect(ledger.lease(to: 1, now: 0, duration: 10) == nil)
        #expect(ledger.lease(to: 2, now: 0, duration: 10)?.batch == 2)
        try ledger.complete(lease: first.id, batch: 0, worker: 1)
        #expect(ledger.lease(to: 1, now: 0, duration: 10)?.batch == 3)
    }

    @Test func resultFromAnotherWorkerOrForAnotherBatchIsRefused() throws {
        var ledger = LeaseLedger()
        ledger.add([0])
        let lease = try unwrap(ledger.lease(to: 1, now: 0, duration: 10))
        #expect(throws: LeaseLedger.Refusal.wrongWorker(lease: lease.id, holder: 1, presenter: 2)) {
            try ledger.complete(lease: lease.id, batch: 0, worker: 2)
        }
        #expect(throws: LeaseLedger.Refusal.batchMismatch(lease: lease.id, leased: 0, presented: 3)) {
            try ledger.complete(lease: lease.id, batch: 3, worker: 1)
        }
        #expect(ledger.leases.count == 1)
    }

    @Test func expiredLeaseReturnsItsBatchAndItsLateResultIsRefused() throws {
        var ledger = LeaseLedger()
        ledger.add([0, 1])
        let early = try unwrap(ledger.lease(to: 1, now: 0, duration: 5))
        let late = try unwrap(ledger.lease(to: 2, now: 3, duration: 5))
        #expect(ledger.expire(now: 6).map(\.id) == [early.id])
        #expect(ledger.pending == [0])
        let again = try unwrap(ledger.lease(to: 2, now: 6, duration: 5))
        #expect(again.batch == 0 && again.id != early.id)
        #expect(throws: LeaseLedger.Refusal.unknownLease(early.id)) { try ledger.complete(lease: early.id, batch: 0, worker: 1) }
        try ledger.complete(lease: again.id, batch: 0, worker: 2)
        try ledger.complete(lease: late.id, batch: 1, worker: 2)
        #expect(ledger.isDrained)
    }

    @Test func revokingAWorkerReturnsAllItsBatches() throws {
        var ledger = LeaseLedger()
        ledger.add(0..<4)
        _ = ledger.lease(to: 7, now: 0, duration: 5)
        _ = ledger.lease(to: 8, now: 0, duration: 5)
        _ = ledger.lease(to: 7, now: 0, duration: 5)
        #expect(ledger.revoke(worker: 7).map(\.batch) == [0, 2])
        #expect(ledger.pending == [0, 2, 3])
        #expect(ledger.leases.count == 1)
    }

    @Test func postponingMovesDeadlinesAndEligibilityFilters() throws {
        var ledger = LeaseLedger()
        ledger.add([1, 2, 3])
        let lease = try unwrap(ledger.lease(to: 1, now: 0, duration: 5, eligible: { $0 >= 2 }))
        #expect(lease.batch == 2)
        ledger.postpone(by: 10)
        #expect(ledger.expire(now: 14).isEmpty)
        #expect(ledger.expire(now: 15.5).map(\.batch) == [2])
        #expect(ledger.lease(to: 1, now: 0, duration: 5, eligible: { $0 > 3 }) == nil)
    }
}

/// `#require` cannot wrap a mutating call; this takes its result instead.
func unwrap<T>(_ value: T?, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    try #require(value, sourceLocation: sourceLocation)
}
