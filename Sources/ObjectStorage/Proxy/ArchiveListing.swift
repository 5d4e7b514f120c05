import NIOCore
import StratusKit

/// The archived versions of one object, newest first: the archive container's listing of the
/// object's prefix in reverse name order (names end in the version's timestamp), read a page
/// at a time from a container replica as the caller walks it.
struct ArchiveListing {
    struct Entry: Sendable, Equatable {
        var name: String
        var contentType: String
        var isDeleteMarker: Bool { contentType == ContainerVersioning.deleteMarkerContentType }
    }

    private let proxy: ProxyServer
    private let account: String
    private let container: String
    private let prefix: String
    private var page: [Entry] = []
    private var index = 0
    private var marker = ""
    private var finished = false

    init(proxy: ProxyServer, account: String, container: String, prefix: String) {
        self.proxy = proxy
        self.account = account
        self.container = container
        self.prefix = prefix
    }

    /// The next older version; nil after the oldest, or when the archive container does not
    /// exist. Throws 412 when a replica refuses the listing (4xx), 500 when none can give it.
    mutating func next() async throws -> Entry? {
        if index == page.count {
            guard !finished else { return nil }
            page = try await fetchPage()
            index = 0
            if page.isEmpty {
                finished = true
                return nil
            }
            marker = page[page.count - 1].name
        }
        defer { index += 1 }
        return page[index]
    }

    private func fetchPage() async throws -> [Entry] {
        let (partition, _) = try proxy.containerNodes(account, container)
        let query =
            "format=json&prefix=" + BackendClient.percentEncode(prefix) + "&marker=" + BackendClient.percentEncode(marker)
            + "&reverse=on"
        let answer = await proxy.replicas.read(
            .GET, ring: proxy.rings.container, partition: partition,
            path: { BackendClient.path(device: $0.device, partition: partition, account: account, container: container) },
            headers: [:], query: query)
        guard answer.isSuccess else {
            await proxy.discard(answer)
            if answer.status == 404 { return [] }
            throw VersioningFailure((400..<500).contains(answer.status) ? .preconditionFailed : VersioningFailure.internalError)
        }
        let body = try await answer.collectBody()
        guard body.readableBytes > 0 else { return [] }
        guard let items = (try? JSONValue.parse(bytes: Array(buffer: body)))?.arrayValue else {
            throw VersioningFailure(VersioningFailure.internalError)
        }
        return items.compactMap { item in
            guard let name = item["name"]?.stringValue else { return nil }
            return Entry(name: name, contentType: item["content_type"]?.stringValue ?? "")
        }
    }
}
