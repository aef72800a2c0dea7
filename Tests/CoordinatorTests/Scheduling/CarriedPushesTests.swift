import Testing
@testable import Coordinator

struct CarriedPushesTests {
    /// A worker alone holds the push of a step's first batch, and its lease of the second carries it.
    @Test func aLoneWorkersFirstLeaseOfAStepIsHeldAndItsSecondCarriesIt() {
        var carrying = CarriedPushes()
        #expect(carrying.role(of: 10, batch: 4, worker: 1, stepBatches: 4..<7, alone: true) == .hold)
        #expect(carrying.role(of: 11, batch: 5, worker: 1, stepBatches: 4..<7, alone: true) == .carry(10))
        #expect(carrying.carried(by: 11) == 10)
        // The third batch pushes its own: a sum of later batches would change the servers' sum.
        #expect(carrying.role(of: 12, batch: 6, worker: 1, stepBatches: 4..<7, alone: true) == .own)
        #expect(carrying.forget(11) == 10)
        #expect(carrying.carried(by: 11) == nil)
        // The held lease went with its carrier: a new lease of the second batch carries nothing.
        #expect(carrying.role(of: 13, batch: 5, worker: 1, stepBatches: 4..<7, alone: true) == .own)
    }

    @Test func nothingIsHeldForAWorkerNotAloneNorCarriedByAnotherWorker() {
        var carrying = CarriedPushes()
        #expect(carrying.role(of: 1, batch: 0, worker: 1, stepBatches: 0..<2, alone: false) == .own)
        #expect(carrying.role(of: 2, batch: 1, worker: 1, stepBatches: 0..<2, alone: false) == .own)
        #expect(carrying.role(of: 3, batch: 0, worker: 1, stepBatches: 0..<2, alone: true) == .hold)
        #expect(carrying.role(of: 4, batch: 1, worker: 2, stepBatches: 0..<2, alone: false) == .own)
        // A step of one batch has nothing to carry it.
        #expect(carrying.role(of: 5, batch: 2, worker: 1, stepBatches: 2..<3, alone: true) == .own)
        // A held lease that is done or gone is carried by none.
        #expect(carrying.forget(3) == nil)
        #expect(carrying.role(of: 6, batch: 1, worker: 1, stepBatches: 0..<2, alone: true) == .own)
    }
}
