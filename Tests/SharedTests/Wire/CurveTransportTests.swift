import Foundation
import Testing
@testable import Shared

/// CurveZMQ on loopback: an allowed client is heard and named by its key; a client with another key, or
/// without CURVE, is never heard; the ZAP handler's decisions follow the allowlist file as it changes.
struct CurveTransportTests {
    private let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curve-\(UUID().uuidString)").path

    private func write(allowlist keys: [CurveKey]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try keys.map { "\($0.z85) client\n" }.joined().write(toFile: "\(directory)/allowed", atomically: true, encoding: .utf8)
    }

    private func hello(_ worker: any WorkerTransport) throws {
        try worker.send(WireMessage(.register(Wire.Register(workerName: "w", threads: 1)), runID: ""))
    }

    @Test func onlyAllowedKeysAreHeardAndEachMessageCarriesItsKey() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try CurveKeyPair.generate(), allowed = try CurveKeyPair.generate(), stranger = try CurveKeyPair.generate()
        try write(allowlist: [allowed.publicKey])
        let listening = try ZMQNetwork(security: .curve(keyPair: server, allowlistFile: "\(directory)/allowed"))
        let coordinator = try listening.listen(at: "tcp://127.0.0.1:*", runID: "run", checksRunID: true)
        defer { coordinator.close(flushing: .zero) }
        let endpoint = coordinator.endpoint

        let good = try ZMQNetwork(security: .curve(keyPair: allowed, allowlistFile: nil), listenerKeys: [endpoint: server.publicKey])
        let goodWorker = try good.connect(to: endpoint, options: ConnectOptions(sendTimeoutMilliseconds: 2000))
        try hello(goodWorker)
        let (peer, message) = try #require(try coordinator.receive(timeout: .seconds(5)))
        #expect(peer.key == allowed.publicKey.z85)
        #expect(message.body.name == "Register")

        let bad = try ZMQNetwork(security: .curve(keyPair: stranger, allowlistFile: nil), listenerKeys: [endpoint: server.publicKey])
        let badWorker = try bad.connect(to: endpoint, options: ConnectOptions(sendTimeoutMilliseconds: 300))
        #expect(throws: WireError.self) { try hello(badWorker) }  // no handshake completes, so the send times out
        let plain = try ZMQNetwork(security: .insecure)
        let plainWorker = try plain.connect(to: endpoint, options: ConnectOptions(sendTimeoutMilliseconds: 300))
        #expect(throws: WireError.self) { try hello(plainWorker) }
        #expect(try coordinator.receive(timeout: .milliseconds(300)) == nil)

        // The file is read at each handshake: a key added now is admitted on its next connection.
        try write(allowlist: [allowed.publicKey, stranger.publicKey])
        let admitted = try bad.connect(to: endpoint, options: ConnectOptions(sendTimeoutMilliseconds: 3000))
        try hello(admitted)
        let (laterPeer, _) = try #require(try coordinator.receive(timeout: .seconds(5)))
        #expect(laterPeer.key == stranger.publicKey.z85)
        [goodWorker, badWorker, plainWorker, admitted].forEach { $0.close() }
    }

    @Test func aConnectionNeedsTheListenersKey() throws {
        let network = try ZMQNetwork(security: .curve(keyPair: try CurveKeyPair.generate(), allowlistFile: nil))
        #expect(throws: SecurityError.self) { _ = try network.connect(to: "tcp://127.0.0.1:9", options: ConnectOptions()) }
        #expect(throws: SecurityError.self) { _ = try network.listen(at: "tcp://127.0.0.1:*", runID: "r", checksRunID: true) }
    }

    @Test func theHandlerAnswersByTheAllowlist() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let allowed = try CurveKeyPair.generate().publicKey, other = try CurveKeyPair.generate().publicKey
        try write(allowlist: [allowed])
        let handler = try ZAPHandler(context: try ZMQContext(), allowlistFile: "\(directory)/allowed") { _ in }
        defer { handler.stop() }
        func request(_ mechanism: String, _ credentials: [[UInt8]]) -> [[UInt8]] {
            [Array("1.0".utf8), [7], Array("bfpo".utf8), Array("127.0.0.1".utf8), [], Array(mechanism.utf8)] + credentials
        }
        func status(_ reply: [[UInt8]]) -> String { String(decoding: reply[2], as: UTF8.self) }
        let yes = handler.answer(request("CURVE", [allowed.bytes]))
        #expect(status(yes) == "200" && String(decoding: yes[4], as: UTF8.self) == allowed.z85 && yes[1] == [7])
        #expect(status(handler.answer(request("CURVE", [other.bytes]))) == "400")
        #expect(status(handler.answer(request("NULL", []))) == "400")
        #expect(status(handler.answer([Array("2.0".utf8), [1]])) == "500")
        try "garbage\n".write(toFile: "\(directory)/allowed", atomically: true, encoding: .utf8)
        #expect(status(handler.answer(request("CURVE", [allowed.bytes]))) == "500")
    }
}
