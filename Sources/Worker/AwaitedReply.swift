import Foundation
import Shared

extension WorkerTransport {
    /// The reply to `request` that arrives within `seconds`, or a `Refused`; replies to earlier requests
    /// that came after the worker stopped waiting for them are passed to `skipped` and left behind.
    func reply(to request: WireBody, within seconds: Double, skipped: (WireMessage) -> Void = { _ in }) throws -> WireMessage? {
        let deadline = Date().addingTimeInterval(seconds)
        while let reply = try receive(timeout: .milliseconds(max(1, Int(deadline.timeIntervalSinceNow * 1000)))) {
            if Self.answers(reply.body, request) { return reply }
            skipped(reply)
        }
        return nil
    }

    /// Whether `reply` can answer `request`.
    private static func answers(_ reply: WireBody, _ request: WireBody) -> Bool {
        switch (request, reply) {
        case (_, .refused), (.workRequest, .lease), (.workRequest, .wait), (.workRequest, .stop), (.shardRequest, .shardReply):
            return true
        case (.gradientPush(let push), .pushReply(let outcome)):
            return outcome.leaseID == push.leaseID
        case (.referencePush(let push), .pushReply(let outcome)):
            return outcome.leaseID == push.leaseID
        case (.evalPush(let push), .pushReply(let outcome)):
            return outcome.leaseID == push.leaseID
        default:
            return false
        }
    }
}
