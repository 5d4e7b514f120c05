import BlockStorage
import StratusKit
import XCTest

final class VolumeConnectionTests: XCTestCase {
    func testConnectionInfoHasCindersShape() {
        let connection = VolumeConnection(driverVolumeType: "local", data: ["device_path": "/v/volume-1", "format": "qcow2"])
        XCTAssertEqual(connection.json["driver_volume_type"]?.stringValue, "local")
        XCTAssertEqual(connection.json["data"]?["device_path"]?.stringValue, "/v/volume-1")
        XCTAssertEqual(connection.json["data"]?["format"]?.stringValue, "qcow2")
    }
}
