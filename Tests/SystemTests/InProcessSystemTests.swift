import Foundation
import Testing
@testable import Shared
@testable import Coordinator
@testable import Worker

/// The whole system — coordinator, shard servers, workers — in one process on `InProcessNetwork`:
/// the sessions and the loop of the binaries, without a socket. 16 random pairs in batches of 2, 2
/// batches a step, 3 epochs: 12 steps, a checkpoint every 2.
@Suite(.serialized)
final class InProcessSystemTests {
    let directory: URL
    let log = Logger(component: "system", threshold: .error)
    /// Each run's coordinator core, by run name, to read its counts after the run.
    var cores: [String: CoordinatorCore] = [:]

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("system-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = GPT2Config(layers: 2, heads: 2, embedding: 16, positions: 32, vocabulary: 40)
        try ModelDirectory.save(config: config, parameters: ModelInitializer.parameters(for: config, seed: 3), to: path("model"))
        var generator = RandomGenerator(seed: 5)
        func ids(_ count: Int) -> [Int] { (0..<count).map { _ in Int(generator.next() % 40) } }
        let lines = (0..<16).map { i in
            Self.pairLine(prompt: ids(3), chosen: ids(1 + i % 4), rejected: ids(2), chosenSafe: i % 2, rejectedSafe: i / 2 % 2)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path("pairs.jsonl"), atomically: true, encoding: .utf8)
    }

    /// One pair in the tokenized form: prompt + response ids, the mask 1 on the response's tokens.
    static func pairLine(prompt: [Int], chosen: [Int], rejected: [Int], chosenSafe: Int, rejectedSafe: Int) -> String {
        func list(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ",") + "]" }
        func mask(_ response: [Int]) -> String { list(prompt.map { _ in 0 } + response.map { _ in 1 }) }
        return "{\"chosen_ids\":\(list(prompt + chosen)),\"chosen_mask\":\(mask(chosen)),"
            + "\"rejected_ids\":\(list(prompt + rejected)),\"rejected_mask\":\(mask(rejected)),"
            + "\"is_chosen_safe\":\(chosenSafe),\"is_rejected_safe\":\(rejectedSafe)}"
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A thread running `body`, whose result `join` returns (bounded).
    final class Running<Result>: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var result: Swift.Result<Result, Error>?

        init(_ name: String, _ body: @escaping () throws -> Result) {
            let thread = Thread { [self] in
                result = Swift.Result { try body() }
                done.signal()
            }
            thread.name = name
            thread.start()
        }

        func join(timeout: Double = 60) -> Swift.Result<Result, Error>? {
            done.wait(timeout: .now() + timeout) == .success ? result : nil
        }
    }

    func coordinator(run: String, settings: [String], network: any Network) throws -> Running<String> {
        let yaml = """
            model: model
            max_length: 32
            max_prompt_length: 16
            learning_rate: 1.0e-2
            num_train_epochs: 3
            per_device_train_batch_size: 2
            gradient_accumulation_steps: 2
            save_steps: 2
            seed: 7
            shards: 3
            heartbeat_seconds: 0.3
            lease_seconds: 5
            weight_decay: 0.01
            dataset_mixer:
              pairs.jsonl: 1.0

            """
        try yaml.write(toFile: path("recipe.yaml"), atomically: true, encoding: .utf8)
        let recipe = try Recipe.load(path: path("recipe.yaml"), overrides: settings)
        let setup = try TrainingSetup(recipe: recipe, runDirectory: path(run), log: log)
        cores[run] = setup.core
        let transport = try network.listen(at: "inproc://coordinator", runID: setup.settings.runID, checksRunID: true)
        let loop = try CoordinatorLoop(core: setup.core, transport: transport, settings: setup.settings, log: log)
        return Running("coordinator") {
            defer { transport.close(flushing: .zero) }
            return try loop.run()
        }
    }

    func server(_ name: String, network: any Network, giveUpAfter: Double = 30) throws -> Running<String> {
        let session = try ServerSession(
            options: .init(coordinator: "inproc://coordinator", bind: "inproc://\(name)", name: name, giveUpAfter: giveUpAfter),
            network: network, log: log)
        return Running(name) { try session.run() }
    }

    func worker(_ name: String, network: any Network) throws -> Running<String> {
        let session = try WorkerSession(
            options: .init(endpoint: "inproc://coordinator", name: name, threads: 1, blasCore: "", replyTimeout: 2, giveUpAfter: 30),
            network: network, log: log)
        return Running(name) { try session.run() }
    }

    func final(_ run: String, _ file: String) throws -> Data {
        let latest = try String(contentsOfFile: path("\(run)/checkpoints/latest"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try Data(contentsOf: URL(fileURLWithPath: path("\(run)/checkpoints/\(latest)/\(file)")))
    }

    func expectSuccess<R>(_ running: Running<R>, _ name: String, timeout: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) {
        switch running.join(timeout: timeout) {
        case .success?: break
        case .failure(let error)?: Issue.record("\(name) failed: \(error)", sourceLocation: sourceLocation)
        case nil: Issue.record("\(name) did not finish within \(timeout) s", sourceLocation: sourceLocation)
        }
    }

    /// One worker, every shard in the coordinator: the reference result.
    func soloRun(_ run: String = "solo", settings: [String] = []) throws {
        let network = InProcessNetwork()
        let coordinator = try coordinator(run: run, settings: settings, network: network)
        let worker = try worker(run, network: network)
        expectSuccess(coordinator, "coordinator")
        expectSuccess(worker, "worker")
    }

    /// Run "served" — two shard servers and two workers with `settings` — ends with the model and optimizer
    /// files of run "solo", to the bit.
    func expectServedRunEqualsSolo(settings: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let network = InProcessNetwork()
        let coordinator = try coordinator(run: "served", settings: settings + ["servers_expected=2", "workers_expected=2"], network: network)
        let servers = try ["server-1", "server-2"].map { try server($0, network: network) }
        let workers = try ["a", "b"].map { try worker($0, network: network) }
        expectSuccess(coordinator, "coordinator", sourceLocation: sourceLocation)
        for (index, server) in servers.enumerated() { expectSuccess(server, "server \(index + 1)", sourceLocation: sourceLocation) }
        for (index, worker) in workers.enumerated() { expectSuccess(worker, "worker \(index)", sourceLocation: sourceLocation) }
        #expect(try final("solo", "model.safetensors") == final("served", "model.safetensors"), sourceLocation: sourceLocation)
        #expect(try final("solo", "optimizer.safetensors") == final("served", "optimizer.safetensors"), sourceLocation: sourceLocation)
    }

    /// Sync runs stay bit-identical across worker and server counts under every compression, and a
    /// compressed run is not the uncompressed one (what crosses the wire changes what workers compute on).
    /// The worker alone pushes each step's first two leases as one under fp32 gradients (every step: 12
    /// of its 24 leases are carried by another's push), and never under a rounded gradient form.
    @Test(arguments: ["none", "bf16", "topk:0.05", "topk:0.05+int4", "none+int8"])
    func twoServersAndTwoWorkersEndBitIdenticalToOneWorkerAlone(compression: String) throws {
        try soloRun(settings: ["compression=\(compression)"])
        let fp32Gradients = try WireCompression(recipeValue: compression).gradients == .fp32
        #expect(cores["solo"]?.carriedPushes == (fp32Gradients ? 12 : 0))
        if compression != "none" {
            try soloRun("plain")
            #expect(try final("solo", "model.safetensors") != final("plain", "model.safetensors"))
        }
        try expectServedRunEqualsSolo(settings: ["compression=\(compression)"])
    }

    /// A worker alone with two shard servers carries as it does with none: the servers sum the carrier's
    /// push first, and the run ends bit-identical to the worker alone with every shard in the coordinator.
    @Test func aWorkerAloneCarriesThroughShardServersBitIdentically() throws {
        try soloRun()
        let network = InProcessNetwork()
        let coordinator = try coordinator(run: "served", settings: ["servers_expected=2"], network: network)
        let servers = try ["server-1", "server-2"].map { try server($0, network: network) }
        let worker = try worker("a", network: network)
        expectSuccess(coordinator, "coordinator")
        for (index, server) in servers.enumerated() { expectSuccess(server, "server \(index + 1)") }
        expectSuccess(worker, "worker")
        #expect(cores["served"]?.carriedPushes == 12)
        #expect(try final("solo", "model.safetensors") == final("served", "model.safetensors"))
        #expect(try final("solo", "optimizer.safetensors") == final("served", "optimizer.safetensors"))
    }

    /// Under asynchronous training a worker may fetch the next lease's shards while it computes the lease
    /// before (`PullAhead`; whether it does depends on whether a step was applied in between, so
    /// `PullAheadTests` checks the fetching itself), and the run trains every step within its staleness
    /// bound, with a shard server.
    @Test func anAsynchronousRunAskingAheadTrainsEveryStep() throws {
        let network = InProcessNetwork()
        let coordinator = try coordinator(run: "async", settings: ["max_staleness=1", "servers_expected=1"], network: network)
        let server = try server("server-1", network: network)
        let worker = try worker("a", network: network)
        expectSuccess(coordinator, "coordinator")
        expectSuccess(server, "server")
        expectSuccess(worker, "worker")
        let lines = try String(contentsOfFile: path("async/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .filter { $0["staleness_max"] != nil }
        #expect(lines.count == 12 && lines.allSatisfy { ($0["staleness_max"] as? Double ?? 9) <= 1 })
    }

    /// Only the selected tensors change, and only they have optimizer state; worker and server counts
    /// change nothing.
    @Test func selectiveFineTuningTrainsOnlyTheSelectedTensors() throws {
        let selective = ["use_selective=true", "selected_layers=[mlp, ln_f]", "compression=bf16"]
        try soloRun(settings: selective)
        try expectServedRunEqualsSolo(settings: selective)

        let (config, initial) = try ModelDirectory.load(directory: path("model"))
        let latest = try String(contentsOfFile: path("solo/checkpoints/latest"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let (_, trained) = try ModelDirectory.load(directory: path("solo/checkpoints/\(latest)"))
        let layout = ParameterLayout(config: config)
        for tensor in layout.tensors {
            let selected = tensor.name.contains("mlp") || tensor.name.contains("ln_f")
            let changed = tensor.range.contains { initial[$0] != trained[$0] }
            #expect(changed == selected, "\(tensor.name)")
        }
    }

    /// Registers `client` as a worker registers: again while the coordinator is not ready to welcome, for
    /// up to 10 s. Returns the run id and the worker id given, or nil (recorded) when never welcomed.
    func register(_ client: InProcessWorkerTransport, as name: String) throws -> (run: String, worker: UInt64)? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            try client.send(WireMessage(.register(Wire.Register(workerName: name, threads: 1)), runID: ""))
            if let reply = try client.receive(timeout: .seconds(1)), case .welcome(let welcome) = reply.body {
                return (reply.envelope.runID, welcome.workerID)
            }
        }
        Issue.record("\(name) was never welcomed")
        return nil
    }

    /// A work request that finds no lease is held (a long poll), not answered `Wait` at once: while the
    /// run gathers its 2 workers, a registered client's request is answered `Wait` only after the 0.25 s
    /// the coordinator holds it; once a worker joins and the run starts, a request is answered with a lease.
    @Test func aWorkRequestWithoutALeaseIsHeldUntilOneIsFree() throws {
        let network = InProcessNetwork()
        let coordinator = try coordinator(run: "parked", settings: ["workers_expected=2"], network: network)
        let client = network.connection(to: "inproc://coordinator")
        guard let (run, id) = try register(client, as: "client") else { return }
        let request = WireMessage(.workRequest(Wire.WorkRequest(workerID: id)), runID: run)
        let deadline = Date().addingTimeInterval(30)

        let asked = Date()
        try client.send(request)
        let first = try #require(try client.receive(timeout: .seconds(5)))
        guard case .wait = first.body else { Issue.record("expected Wait while 1 of 2 workers is here, got \(first.body.name)"); return }
        #expect(Date().timeIntervalSince(asked) >= 0.24, "answered after \(Date().timeIntervalSince(asked)) s")

        let worker = try worker("w", network: network)
        var lease: Wire.Lease?
        while lease == nil, Date() < deadline {
            try client.send(request)
            guard let reply = try client.receive(timeout: .seconds(5)) else { continue }
            if case .lease(let granted) = reply.body { lease = granted }
        }
        #expect(lease?.kind == .reference, "the client is leased a batch of the reference pass")
        // The client never pushes: its lease expires and goes to the worker, and the run ends.
        client.close()
        expectSuccess(coordinator, "coordinator")
        expectSuccess(worker, "worker")
    }

    /// 10 000 malformed messages of every kind the coordinator can receive (`BFPO_FUZZ_MESSAGES` others,
    /// for `bench/fuzz.sh`), from a client that registered and keeps heartbeating, while a worker trains:
    /// each is refused or ignored, the coordinator never stops, and the run ends bit-identical to the solo
    /// run. (A client that holds no lease cannot have a push accepted; steering by a registered peer is what
    /// authentication is for.)
    @Test func malformedMessagesChangeNothing() throws {
        let count = ProcessInfo.processInfo.environment["BFPO_FUZZ_MESSAGES"].flatMap { Int($0) } ?? 10_000
        try soloRun()
        let network = InProcessNetwork()
        let coordinator = try coordinator(run: "fuzzed", settings: [], network: network)
        let rogue = network.connection(to: "inproc://coordinator")
        guard let (run, id) = try register(rogue, as: "rogue") else { return }
        let worker = try worker("w", network: network)

        let metrics = try PreferenceMetrics(
            pairs: 2, lossSum: 1, chosenRewardSum: 0, rejectedRewardSum: 0, rankedPairs: 2, accuratePairs: 1, safeChosenPairs: 1,
            safeChosenRewardSum: 0, unsafeChosenRewardSum: 0, policyChosenLogProbSum: -3, policyRejectedLogProbSum: -4)
        let templates: [WireBody] = [
            .register(Wire.Register(workerName: "rogue-2", threads: 2, blasCore: "Haswell")),
            .heartbeat(Wire.Heartbeat(workerID: id)),
            .shardRequest(Wire.ShardRequest(workerID: id, parameterSet: .policy, shardIDs: [0, 2], heldVersions: [1, nil])),
            .gradientPush(Wire.GradientPush(workerID: id, leaseID: 7, batchID: 1, shardVersions: [0, 0, 0], metrics: metrics,
                                            tokens: 40, computeSeconds: 0.5)),
            .referencePush(Wire.ReferencePush(workerID: id, leaseID: 7, batchID: 1)),
            .evalPush(Wire.EvalPush(workerID: id, leaseID: 7, batchID: 1, shardVersions: [0, 0, 0], metrics: metrics)),
            .serverHello(Wire.ServerHello(serverName: "impostor", endpoint: "inproc://impostor")),
            .stepReduced(Wire.StepReduced(serverID: id, step: 1, sumsOfSquares: [1, 2])),
            .stepCommitted(Wire.StepCommitted(serverID: id, step: 1, shards: [Wire.ShardVersion(shardID: 0, version: 2)])),
            .stateReply(Wire.StateReply(serverID: id, shards: [Wire.ShardState(shardID: 0, offset: 0, count: 4, version: 1, optimizerSteps: 1)])),
            .refused(Wire.Refused(reason: "no", registerAgain: true)),
            .pushReply(Wire.PushReply(leaseID: 7, accepted: true)),
            .stop(Wire.Stop(reason: "stop")),
        ]
        var random = RandomGenerator(seed: 17)
        func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        var sent = 0, answered = 0
        for i in 0..<count {
            if i % 200 == 0 { try? rogue.send(WireMessage(.heartbeat(Wire.Heartbeat(workerID: id)), runID: run)) }
            var header = WireCodec.encode(Envelope(runID: run, body: templates[i % templates.count]))
            for _ in 0...below(3) { header[below(header.count)] = UInt8(truncatingIfNeeded: random.next()) }
            let frames = (0..<below(4)).map { _ in WireMessage.Payload.bytes((0..<below(64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }) }
            if (try? rogue.sendRaw(header: header, frames: frames)) != nil { sent += 1 }
            while (try? rogue.receive(timeout: .zero)) ?? nil != nil { answered += 1 }
        }
        // The coordinator may still be working through the queue (on a loaded machine): the answers still
        // coming are counted until none has come for a second.
        while (try? rogue.receive(timeout: .seconds(1))) ?? nil != nil { answered += 1 }
        // Most are answered (refused); some are ignored (a heartbeat, a stray reply).
        print("fuzz: \(sent) of \(count) malformed messages delivered, \(answered) answered")
        #expect(sent == count && answered > count / 2)
        expectSuccess(coordinator, "fuzzed coordinator")
        expectSuccess(worker, "worker")
        #expect(try final("solo", "model.safetensors") == final("fuzzed", "model.safetensors"))
        #expect(try final("solo", "optimizer.safetensors") == final("fuzzed", "optimizer.safetensors"))
    }

    /// A worker checks a Welcome before it allocates anything: sizes no model can have, or a model whose
    /// buffers exceed this machine's memory (1.6e10 parameters: about 320 GB), stop it with the reason.
    @Test(arguments: [
        (#"{"n_layer": 1099511627777, "n_head": 1, "n_embd": 4, "n_positions": 4, "vocab_size": 8}"#, "n_layer is 1099511627777"),
        (#"{"n_layer": 80, "n_head": 1, "n_embd": 4096, "n_positions": 4, "vocab_size": 8}"#, "whose buffers need"),
    ])
    func aWelcomeBeyondTheMachineStopsTheWorkerBeforeItAllocates(config: String, reason: String) throws {
        let network = InProcessNetwork()
        let coordinator = try network.listener(at: "inproc://coordinator", runID: "run", checksRunID: false)
        defer { coordinator.close(flushing: .zero) }
        let worker = try worker("w", network: network)
        let hello = try #require(try coordinator.receive(timeout: .seconds(10)))
        guard case .register = hello.message.body else { Issue.record("expected Register, got \(hello.message.body.name)"); return }
        let welcome = Wire.Welcome(workerID: 1, incarnation: 1, modelConfigJSON: config, objective: try Objective(kind: .bfpo),
                                   shards: [Wire.ShardRange(shardID: 0, offset: 0, count: 1 << 34)], heartbeatMilliseconds: 1000,
                                   leaseMilliseconds: 1000)
        try coordinator.send(WireMessage(.welcome(welcome), runID: "run"), to: hello.peer)
        switch worker.join(timeout: 10) {
        case .failure(let error)?: #expect("\(error)".contains(reason), "\(error)")
        case let other: Issue.record("expected the worker to stop, got \(String(describing: other))")
        }
    }

    /// A lease the model cannot take (here sequences longer than its 4 positions) is dropped with the
    /// reason before anything is computed, and the worker asks for work again and lives on.
    @Test func aLeaseBeyondTheModelIsDroppedAndTheWorkerGoesOn() throws {
        let network = InProcessNetwork()
        let coordinator = try network.listener(at: "inproc://coordinator", runID: "run", checksRunID: false)
        defer { coordinator.close(flushing: .zero) }
        let worker = try worker("w", network: network)
        func next() throws -> (peer: PeerID, message: WireMessage) {
            while true {
                let received = try #require(try coordinator.receive(timeout: .seconds(10)))
                if case .heartbeat = received.message.body { continue }
                return received
            }
        }
        let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 4, vocabulary: 8, eosTokenID: 7)
        let count = ParameterLayout(config: config).count
        let hello = try next()
        try coordinator.send(WireMessage(.welcome(Wire.Welcome(
            workerID: 1, incarnation: 1, modelConfigJSON: #"{"n_layer": 1, "n_head": 1, "n_embd": 4, "n_positions": 4, "vocab_size": 8}"#,
            objective: try Objective(kind: .bfpo), shards: [Wire.ShardRange(shardID: 0, offset: 0, count: UInt64(count))],
            heartbeatMilliseconds: 1000, leaseMilliseconds: 5000)), runID: "run"), to: hello.peer)
        let request = try next()
        guard case .workRequest = request.message.body else { Issue.record("expected WorkRequest, got \(request.message.body.name)"); return }
        let lease = Wire.Lease(leaseID: 9, batchID: 0, epoch: 0, step: 0, leaseMilliseconds: 5000, kind: .reference,
                               parameterSet: .reference, shardVersions: [1], pairs: 1, normalizer: 1, sequenceLengths: [6, 6])
        try coordinator.send(WireMessage(.lease(lease), runID: "run", frames: LeasePayload.frames(
            tokenIDs: [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 7], lossMask: [0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1], safetyLabels: [1, 0],
            referenceLogProbs: nil)), to: request.peer)
        var askedAgain = false
        while !askedAgain {
            let (peer, message) = try next()
            switch message.body {
            case .shardRequest:
                try coordinator.send(WireMessage(.shardReply(Wire.ShardReply(parameterSet: .reference, shards: [Wire.ShardVersion(shardID: 0, version: 1)])),
                                                 runID: "run", frames: [.copying([Float](repeating: 0.01, count: count))]), to: peer)
            case .workRequest:
                askedAgain = true
                try coordinator.send(WireMessage(.stop(Wire.Stop(reason: "done")), runID: "run"), to: peer)
            default:
                Issue.record("unexpected \(message.body.name)")
                return
            }
        }
        switch worker.join(timeout: 10) {
        case .success?: break
        case let other: Issue.record("expected the worker to stop normally, got \(String(describing: other))")
        }
    }

    @Test func anUnpluggedServerFailsTheRunWithin5sAndTheResumedRunEndsBitIdentical() throws {
        try soloRun()
        let network = InProcessNetwork()
        let doomedMachine = network.machine()
        let first = try coordinator(run: "faulty", settings: ["servers_expected=2", "servers_wait_seconds=1"], network: network)
        let survivor = try server("server-1", network: network)
        let doomed = try server("server-2", network: doomedMachine, giveUpAfter: 2)
        let worker = try worker("w", network: network)
        let checkpoint = path("faulty/checkpoints/latest")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint), Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        try #require(FileManager.default.fileExists(atPath: checkpoint))
        doomedMachine.unplug()
        let unplugged = Date()
        switch first.join(timeout: 30) {
        case .failure(RunError.serverFailed(let reason))?:
            #expect(Date().timeIntervalSince(unplugged) < 5, "noticed after \(Date().timeIntervalSince(unplugged)) s: \(reason)")
        case let other:
            Issue.record("expected the coordinator to fail for the lost server, got \(String(describing: other))")
        }
        #expect(doomed.join(timeout: 10).map { if case .failure = $0 { true } else { false } } == true)
        // What `TrainCommand` does by restarting its process: resume from the checkpoint; the survivor
        // says hello again and takes every shard, the worker registers again.
        let second = try coordinator(run: "faulty", settings: ["servers_expected=2", "servers_wait_seconds=3"], network: network)
        expectSuccess(second, "resumed coordinator")
        expectSuccess(survivor, "surviving server")
        expectSuccess(worker, "worker")
        #expect(try final("solo", "model.safetensors") == final("faulty", "model.safetensors"))
        #expect(try final("solo", "optimizer.safetensors") == final("faulty", "optimizer.safetensors"))
    }
}
