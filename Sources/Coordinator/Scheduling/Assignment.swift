/// What a worker is to do next.
enum Assignment {
    case lease(LeaseGrant)
    case wait(seconds: Double)
    case stop(reason: String)
}
