import Hummingbird
import Prometheus

/// `GET /metrics`: Prometheus text format, for the city's monitoring.
struct MetricsRoutes {
    let registry: PrometheusCollectorRegistry

    func register(on api: APIRouter) {
        api.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }
}
