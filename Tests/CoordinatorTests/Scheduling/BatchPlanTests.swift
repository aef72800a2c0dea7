import Testing
@testable import Coordinator

struct BatchPlanTests {
    // 10 pairs, batches of 3 → 4 batches (3, 3, 3, 1); 2 batches a step → 2 steps an epoch (6 + 4 pairs).
    let plan = BatchPlan(pairCount: 10, batchSize: 3, accumulation: 2, epochs: 2)

    @Test func countsIncludeThePartialBatchAndStep() {
        #expect(plan.batchesPerEpoch == 4)
        #expect(plan.stepsPerEpoch == 2)
        #expect(plan.totalSteps == 4)
    }

    @Test func stepsAndBatchesUseGlobalIds() {
        #expect(plan.batches(ofStep: 0) == 0..<2)
        #expect(plan.batches(ofStep: 1) == 2..<4)
        #expect(plan.batches(ofStep: 2) == 4..<6)
        #expect(plan.batches(ofEpoch: 1) == 4..<8)
        #expect(plan.positions(ofBatch: 3).positions == 9..<10)
        #expect(plan.positions(ofBatch: 5) == (1, 3..<6))
        #expect(plan.pairs(inStep: 0) == 6)
        #expect(plan.pairs(inStep: 3) == 4)
        #expect(plan.step(ofBatch: 6) == 3)
        #expect(plan.locate(step: 3) == (1, 1))
    }
}
