import Testing
import Shared
@testable import Coordinator

/// When the progress line is written: by time by default, by steps with recipe `logging_steps`.
struct ProgressReporterTests {
    let log = Logger(component: "test", threshold: .error)

    @Test func loggingStepsGivesALineEveryThatManyStepsAndTheLast() {
        var reporter = ProgressReporter(totalSteps: 25, everySteps: 10, log: log)
        let due = (1...25).filter { step in
            defer { reporter.stepApplied(step, metrics: [:], now: Double(step)) }
            return reporter.isDue(step, now: Double(step))
        }
        #expect(due == [10, 20, 25])
    }

    @Test func withoutItALineIsDueOnceTheIntervalHasPassed() {
        var reporter = ProgressReporter(totalSteps: 100, interval: 5, log: log)
        let due = (1...12).filter { step in
            defer { reporter.stepApplied(step, metrics: [:], now: Double(step)) }
            return reporter.isDue(step, now: Double(step))
        }
        #expect(due == [1, 6, 11])
    }

    /// The line carries the learning rate and the gradient norm, and no time left until a step's duration
    /// is known.
    @Test func theLineShowsLearningRateGradNormAndAnHonestTimeLeft() {
        let metrics = ["epoch": 0.25, "loss": 2.5, "rewards/accuracies": 0.75, "learning_rate": 3e-4, "grad_norm": 1.25,
                       "tokens_per_second": 1000, "workers": 2]
        #expect(ProgressReporter.line(step: 1, total: 4, metrics: metrics, eta: nil)
                == "step 1/4 (25%) epoch 0.25 loss 2.5 acc 0.75 lr 0.0003 gnorm 1.25 tok/s 1000 workers 2 eta –")
        var reporter = ProgressReporter(totalSteps: 4, everySteps: 1, log: Logger(component: "test", threshold: .error))
        reporter.stepApplied(1, metrics: metrics, now: 10)
        #expect(reporter.timeLeft(step: 1, now: 10) == nil)
        #expect(reporter.timeLeft(step: 3, now: 14) == 2)   // 2 s a step since step 1, one step left
    }

    @Test func theSummaryGivesTheMeanTrainLossAndThroughput() {
        var totals = TrainingTotals()
        totals.add(stepLoss: 3, pairs: 8, tokens: 800)
        totals.add(stepLoss: 1, pairs: 8, tokens: 800)
        #expect(TrainCommand.summary(totals, seconds: 4, evaluation: ["eval_loss": 0.5, "eval_rewards/accuracies": 0.875])
                == "this process trained 2 steps (1600 tokens), mean train loss 2, 4.0 pairs/s, 400 tokens/s, last eval: eval_loss 0.5, eval_acc 0.88")
        #expect(TrainCommand.summary(TrainingTotals(), seconds: 1, evaluation: [:]) == "this process trained 0 steps (0 tokens)")
    }
}
