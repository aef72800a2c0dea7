/// What became of a pushed result.
enum PushOutcome: Equatable {
    case accepted
    case refused(String)
}
