/// An account listing body in the three formats, byte for byte as Swift's account server writes
/// them:
///
/// - JSON: `[{"name": "c", "count": 3, "bytes": 42, "last_modified": "2014-01-17T15:59:33.359640", "storage_policy": "Policy-0"}, {"subdir": "logs-"}]`
///   (`last_modified` is the container's put timestamp)
/// - XML: `<?xml version="1.0" encoding="UTF-8"?>` newline `<account name="a">` newline, then per
///   container `<container><name>c</name><count>3</count><bytes>42</bytes><last_modified>…</last_modified><storage_policy>Policy-0</storage_policy></container>`
///   and per subdir `<subdir name="logs-" />`, each followed by a newline, then `</account>`
/// - plain text: one name per line.
enum AccountListing {
    /// The name of a storage policy index. Stratus has one policy so far, Swift's default
    /// `Policy-0`; a container row of another index is listed without `storage_policy`, as Swift
    /// lists containers of policies it does not know.
    static func policyName(_ index: Int) -> String? { index == 0 ? "Policy-0" : nil }

    static func body(_ entries: [ListingEntry<ContainerRecord>], account: String, format: ListingFormat) -> [UInt8] {
        var output: [UInt8] = []
        switch format {
        case .plain:
            for entry in entries {
                switch entry {
                case .row(let record): output.append(contentsOf: record.name.utf8)
                case .subdir(let name): output.append(contentsOf: name.utf8)
                }
                output.append(10)
            }
        case .json:
            output.append(UInt8(ascii: "["))
            for (index, entry) in entries.enumerated() {
                if index > 0 { output.append(contentsOf: [44, 32]) }
                switch entry {
                case .subdir(let name):
                    PythonJSON.appendObject([("subdir", .string(name))], to: &output)
                case .row(let record):
                    var fields: [(String, PythonJSON.Value)] = [
                        ("name", .string(record.name)), ("count", .int(record.objectCount)),
                        ("bytes", .int(record.bytesUsed)), ("last_modified", .string(record.putTimestamp.isoformat)),
                    ]
                    if let policy = policyName(record.storagePolicyIndex) { fields.append(("storage_policy", .string(policy))) }
                    PythonJSON.appendObject(fields, to: &output)
                }
            }
            output.append(UInt8(ascii: "]"))
        case .xml, .textXML:
            output.append(contentsOf: XMLText.declaration)
            output.append(contentsOf: "<account name=\"".utf8)
            XMLText.appendAttribute(account, to: &output)
            output.append(contentsOf: "\">\n".utf8)
            for entry in entries {
                switch entry {
                case .subdir(let name):
                    output.append(contentsOf: "<subdir name=\"".utf8)
                    XMLText.appendAttribute(name, to: &output)
                    output.append(contentsOf: "\" />".utf8)
                case .row(let record):
                    output.append(contentsOf: "<container>".utf8)
                    XMLText.appendElement("name", record.name, to: &output)
                    XMLText.appendElement("count", String(record.objectCount), to: &output)
                    XMLText.appendElement("bytes", String(record.bytesUsed), to: &output)
                    XMLText.appendElement("last_modified", record.putTimestamp.isoformat, to: &output)
                    if let policy = policyName(record.storagePolicyIndex) {
                        XMLText.appendElement("storage_policy", policy, to: &output)
                    }
                    output.append(contentsOf: "</container>".utf8)
                }
                output.append(10)
            }
            output.append(contentsOf: "</account>".utf8)
        }
        return output
    }
}
