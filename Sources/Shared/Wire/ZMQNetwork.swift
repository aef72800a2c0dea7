/// The binaries' `Network`: ROUTER sockets listen, DEALER sockets connect, all in one libzmq context.
public final class ZMQNetwork: Network {
    private let context: ZMQContext

    public init() throws { context = try ZMQContext() }

    public func listen(at endpoint: String, runID: String, checksRunID: Bool) throws -> any CoordinatorTransport {
        var configuration = ZMQCoordinatorTransport.Configuration(runID: runID, endpoint: endpoint)
        configuration.checksRunID = checksRunID
        return try ZMQCoordinatorTransport(configuration: configuration, context: context)
    }

    public func connect(to endpoint: String, options: ConnectOptions) throws -> any WorkerTransport {
        var configuration = ZMQWorkerTransport.Configuration(endpoint: endpoint, runID: options.runID)
        configuration.sendTimeoutMilliseconds = options.sendTimeoutMilliseconds
        return try ZMQWorkerTransport(configuration: configuration, context: context)
    }
}
