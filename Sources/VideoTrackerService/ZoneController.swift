import Foundation
import Hummingbird
import VideoTracker
import VideoTrackerStore

/// A camera's named zones: `POST /cameras/{id}/zones` saves a polygon (`{"name", "points": [[x, y], ...]}`;
/// 201, or 200 when it replaces one of that name), `GET /cameras/{id}/zones` lists them,
/// `GET` and `DELETE /cameras/{id}/zones/{name}` show and remove one. `GET /cameras/{id}/zone?zone=NAME` asks about one.
struct ZoneController: Sendable {
    let cameras: CameraController
    let zones: ZoneStore

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/cameras/:id/zones") { request, context in try await save(request, context: context) }
        router.get("/cameras/:id/zones") { _, context in try await list(context: context) }
        router.get("/cameras/:id/zones/:name") { _, context in try await show(context: context) }
        router.delete("/cameras/:id/zones/:name") { _, context in try await remove(context: context) }
    }

    private func save(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        let body = try await request.body.collect(upTo: cameras.configuration.maxBodyBytes)
        let fields = try CameraJSON(body.readableBytesView, fields: ["name", "points"])
        let name = try fields.string("name") ?? { throw TrackingError.field("name", "name is required: the zone's name, such as door") }()
        try AnalyticsQuery.checkZoneName(name, field: "name")
        let points = try AnalyticsQuery.points(fields.json["points"])
        let saved = SavedZone(cameraID: camera.id, name: name, zone: Zone(points: points))
        let created = try await zones.save(saved)
        return json(ZoneView(saved), status: created ? .created : .ok,
                    headers: [.location: "/cameras/\(camera.id)/zones/\(name)"])
    }

    private func list(context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        return json(["zones": try await zones.zones(camera: camera.id).map(ZoneView.init)])
    }

    private func show(context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        return json(ZoneView(try await saved(camera: camera.id, name: try context.parameters.require("name"))))
    }

    private func remove(context: BasicRequestContext) async throws -> Response {
        let camera = try await cameras.camera(context)
        let name = try context.parameters.require("name")
        guard try await zones.delete(camera: camera.id, name: name) else { throw Self.notFound(name) }
        return Response(status: .noContent)
    }

    func saved(camera: String, name: String) async throws -> SavedZone {
        guard let zone = try await zones.zone(camera: camera, name: name) else { throw Self.notFound(name) }
        return zone
    }

    static func notFound(_ name: String) -> TrackingError {
        TrackingError(.notFound, code: "zone_not_found", "the camera has no zone named \(name) (POST /cameras/{id}/zones saves one)",
                      field: "zone")
    }
}

struct ZoneView: Encodable {
    var name: String?
    var points: [[Double]]

    init(_ saved: SavedZone) {
        name = saved.name
        points = saved.zone.points.map { [$0.x, $0.y] }
    }

    init(_ zone: Zone) {
        name = nil
        points = zone.points.map { [$0.x, $0.y] }
    }
}
