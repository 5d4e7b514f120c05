/// More free vCPUs (after the allocation ratio) weigh more.
struct CPUWeigher: HostWeigher {
    func weight(_ host: HostState) -> Double { Double(host.freeVCPUs) }
}
