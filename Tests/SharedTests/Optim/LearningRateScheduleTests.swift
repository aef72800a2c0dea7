import Testing
@testable import Shared

/// 20 steps, warmup ratio 0.2 → ceil(20 × 0.2) = 4 warmup steps, peak 1e-3; values at the first step,
/// mid-warmup, the end of warmup, the middle of the decay and the last step. The same numbers come out
/// of `transformers.get_scheduler` stepped alongside an optimizer.
@Test(arguments: [
    // constant ignores warmup, as HF's get_constant_schedule does.
    (LearningRateSchedule.Kind.constant, [1e-3, 1e-3, 1e-3, 1e-3, 1e-3]),
    // warmup: s/4 → 0, 2/4 = 0.5, then 1.
    (.constantWithWarmup, [0, 5e-4, 1e-3, 1e-3, 1e-3]),
    // after warmup: (20 − s)/(20 − 4) → 16/16 = 1, 8/16 = 0.5, 1/16 = 0.0625.
    (.linear, [0, 5e-4, 1e-3, 5e-4, 6.25e-5]),
    // after warmup: ½(1 + cos(π(s − 4)/16)) → cos 0 = 1; cos(π/2) = 0 → 0.5; cos(15π/16) = −0.9807852804 → 0.0096073598.
    (.cosine, [0, 5e-4, 1e-3, 5e-4, 9.607359798384786e-06]),
])
func scheduleValuesAtKeySteps(kind: LearningRateSchedule.Kind, expected: [Double]) {
    let schedule = LearningRateSchedule(kind: kind, learningRate: 1e-3, totalSteps: 20, warmupRatio: 0.2)
    #expect(schedule.warmupSteps == 4)
    let steps = [0, 2, 4, 12, 19]
    for (step, value) in zip(steps, expected) {
        let rate = schedule.learningRate(atStep: step)
        #expect(abs(rate - value) <= 1e-18, "\(kind) at step \(step): \(rate), expected \(value)")
    }
}

/// HF computes ceil(total × ratio) in floating point: 100 × 0.07 is 7.000000000000001, so 8 warmup steps.
@Test func warmupStepsRoundUpLikeHuggingFace() {
    #expect(LearningRateSchedule.warmupSteps(totalSteps: 100, ratio: 0.07) == 8)
    #expect(LearningRateSchedule.warmupSteps(totalSteps: 30, ratio: 0.1) == 3)
    #expect(LearningRateSchedule.warmupSteps(totalSteps: 100, ratio: 0.1) == 10)
    #expect(LearningRateSchedule.warmupSteps(totalSteps: 7, ratio: 0) == 0)
    #expect(LearningRateSchedule.warmupSteps(totalSteps: 3, ratio: 0.1) == 1)
}

/// With no warmup a cosine schedule starts at the peak; a warmup of one step makes the first update's rate 0.
@Test func warmupEdgeCases() {
    #expect(LearningRateSchedule(kind: .cosine, learningRate: 2, totalSteps: 10, warmupSteps: 0).learningRate(atStep: 0) == 2)
    #expect(LearningRateSchedule(kind: .linear, learningRate: 2, totalSteps: 10, warmupSteps: 1).learningRate(atStep: 0) == 0)
    // linear after its last step never goes negative: max(0, (10 − 12)/9) = 0.
    #expect(LearningRateSchedule(kind: .linear, learningRate: 2, totalSteps: 10, warmupSteps: 1).learningRate(atStep: 12) == 0)
}
