import Shared

/// A lease's gradient whose push is held (`Wire.Lease.holdPush`): its schedule, which ships it when it goes
/// alone, its closing push, and the buffer a lease that carries it adds from.
struct HeldPush {
    let lease: Wire.Lease
    let schedule: LeaseSchedule
    let closing: Wire.GradientPush
    let gradient: FloatBuffer

    /// The held lease as the carrier's closing push names it (`GradientPush.carried`).
    var carried: Wire.CarriedLease {
        Wire.CarriedLease(leaseID: lease.leaseID, batchID: lease.batchID, metrics: closing.metrics, tokens: closing.tokens,
                          computeSeconds: closing.computeSeconds)
    }

    /// Adds the held gradient of `shards` into `gradient`, element by element: the servers then sum
    /// 0 + (g1 + g0), which is (0 + g0) + g1 bit for bit (fp32 addition is commutative, and 0 + g0 is g0).
    func add(_ shards: [Wire.ShardRange], into gradient: FloatBuffer) {
        for shard in shards {
            let offset = Int(shard.offset)
            for i in offset..<(offset + Int(shard.count)) { gradient.pointer[i] += self.gradient.pointer[i] }
        }
    }
}
