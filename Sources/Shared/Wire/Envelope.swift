/// The header of every message: who may read it (protocol version, run) and what it says (`body`).
/// Payload frames travel beside it in a `WireMessage`.
public struct Envelope: Sendable, Equatable {
    /// `Wire.protocolVersion` for everything this build sends. A decoded envelope carries another version
    /// only when its body is `.refused` (whose layout is frozen across versions, so a peer of any
    /// version learns why it was turned away).
    public var protocolVersion: UInt32
    /// The run the message belongs to; empty only in a `Register`, before the worker knows it.
    public var runID: String
    public var body: WireBody

    public init(protocolVersion: UInt32 = Wire.protocolVersion, runID: String, body: WireBody) {
        self.protocolVersion = protocolVersion
        self.runID = runID
        self.body = body
    }
}

/// One message body per case, mirroring `Envelope.body` of proto/bfpo.proto. Which payload frames follow
/// each is documented on the message type.
public enum WireBody: Sendable, Equatable {
    case register(Wire.Register)
    case welcome(Wire.Welcome)
    case refused(Wire.Refused)
    case workRequest(Wire.WorkRequest)
    case lease(Wire.Lease)
    case wait(Wire.Wait)
    case shardRequest(Wire.ShardRequest)
    case shardReply(Wire.ShardReply)
    case gradientPush(Wire.GradientPush)
    case referencePush(Wire.ReferencePush)
    case evalPush(Wire.EvalPush)
    case pushReply(Wire.PushReply)
    case heartbeat(Wire.Heartbeat)
    case stop(Wire.Stop)
    case serverHello(Wire.ServerHello)
    case serverAssignment(Wire.ServerAssignment)
    case stepReduce(Wire.StepReduce)
    case stepReduced(Wire.StepReduced)
    case stepCommit(Wire.StepCommit)
    case stepCommitted(Wire.StepCommitted)
    case stateRequest(Wire.StateRequest)
    case stateReply(Wire.StateReply)

    /// The proto message name, for logs and error messages.
    public var name: String {
        switch self {
        case .register: return "Register"
        case .welcome: return "Welcome"
        case .refused: return "Refused"
        case .workRequest: return "WorkRequest"
        case .lease: return "Lease"
        case .wait: return "Wait"
        case .shardRequest: return "ShardRequest"
        case .shardReply: return "ShardReply"
        case .gradientPush: return "GradientPush"
        case .referencePush: return "ReferencePush"
        case .evalPush: return "EvalPush"
        case .pushReply: return "PushReply"
        case .heartbeat: return "Heartbeat"
        case .stop: return "Stop"
        case .serverHello: return "ServerHello"
        case .serverAssignment: return "ServerAssignment"
        case .stepReduce: return "StepReduce"
        case .stepReduced: return "StepReduced"
        case .stepCommit: return "StepCommit"
        case .stepCommitted: return "StepCommitted"
        case .stateRequest: return "StateRequest"
        case .stateReply: return "StateReply"
        }
    }
}
