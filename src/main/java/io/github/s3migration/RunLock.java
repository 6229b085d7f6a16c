package io.github.s3migration;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run at a time per migration: a PostgreSQL session advisory lock keyed by the migration (table, key column,
 * source prefix), held on a connection of its own (a pooled connection may serve another thread, and a lock is the
 * session's) for as long as the run may write. PostgreSQL frees it when the process dies. The connection's
 * application name says which run holds it, so that a second run is refused naming the first. If the database
 * restarts mid-run the lock is taken again, unless another run took it meanwhile: then this run stops handing out
 * rows.
 *
 * <p>The shards of a sharded migration share the migration's lock and each holds its shard's alone: shards run side by
 * side, two processes of one shard do not, and neither does an unsharded run beside any shard.
 */
final class RunLock implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
    private static final long CHECK_EVERY_SECONDS = 5;
    /** PostgreSQL keeps the first 63 bytes of an application name. */
    private static final int APPLICATION_NAME_BYTES = 63;
    private static final String HOLDER = "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a"
            + " ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            + " AND l.classid::bigint = ? AND l.objid::bigint = ?";

    /** Another run holds the lock: nothing was written. */
    static final class Refused extends InvalidConfigurationException {
        Refused(String message) {
            super(message);
        }
    }

    private final ConnectionSettings connection;
    private final DatabaseTimeouts timeouts;
    /** The migration's lock, shared by its shards; then the shard's own, if any. */
    private final long key;
    private final Optional<Shard> shard;
    private final String holderName;
    private ScheduledExecutorService watchdog;
    private volatile Connection session;

    private RunLock(ConnectionSettings connection, DatabaseTimeouts timeouts, long key, Optional<Shard> shard,
            String holderName) {
        this.connection = connection;
        this.timeouts = timeouts;
        this.key = key;
        this.shard = shard;
        this.holderName = holderName;
    }

    static RunLock of(ConnectionSettings connection, DatabaseTimeouts timeouts, MigrationSettings settings,
            Optional<Shard> shard, String runId) {
        return new RunLock(connection, timeouts, key(settings), shard, holderName(runId, host()));
    }

    /**
     * How the run names itself to PostgreSQL, as the session's application name, which PostgreSQL cuts at 63 bytes: its
     * id, which says when it started and which shard it runs, and its host (a pod's name), cut to fit.
     */
    static String holderName(String runId, String host) {
        String name = "run " + runId + " on ";
        return name + host.substring(0, Math.max(0, Math.min(host.length(), APPLICATION_NAME_BYTES - name.length())));
    }

    /** The migration's key: the same table, key column and source prefix give the same lock, whatever else differs. */
    static long key(MigrationSettings settings) {
        return digest(settings.sqlTable() + '\0' + settings.sqlKeyColumn() + '\0' + settings.sourcePrefix());
    }

    /** A shard's key: its index within the migration. */
    private long shardKey(int index) {
        return digest(Long.toString(key) + "\0shard\0" + index);
    }

    private static long digest(String text) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)))
                    .getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Takes the lock or refuses with the run that holds it; then keeps it, checking the session now and then.
     *
     * @param lost told, once, that another run took the lock while this one's session was gone
     */
    void acquire(Consumer<String> lost) {
        try {
            Optional<Connection> locked = tryLock();
            if (locked.isEmpty()) {
                throw new Refused(refusal());
            }
            session = locked.get();
        } catch (SQLException e) {
            throw new InvalidConfigurationException("Cannot take the run lock in the database "
                    + connection.databaseName() + ": " + e.getMessage());
        }
        watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "run-lock");
            thread.setDaemon(true);
            return thread;
        });
        watchdog.scheduleWithFixedDelay(() -> keep(lost), CHECK_EVERY_SECONDS, CHECK_EVERY_SECONDS, TimeUnit.SECONDS);
    }

    /** After the database restarted: this run's lock went with its session; take it again if nobody else did. */
    private void keep(Consumer<String> lost) {
        try {
            if (session.isValid((int) CHECK_EVERY_SECONDS)) {
                return;
            }
            closeQuietly(session);
            Optional<Connection> again = tryLock();
            if (again.isPresent()) {
                session = again.get();
                LOG.info("The database came back: the run lock is held again");
            } else {
                String reason = "another run took this migration's lock while the database restarted ("
                        + describe(holders(key), "unknown") + ")";
                watchdog.shutdown();
                lost.accept(reason);
            }
        } catch (SQLException e) {
            LOG.debug("The run lock's session is not back yet: {}", e.getMessage());
        }
    }

    /** Why the lock was refused, naming who holds it. */
    private String refusal() throws SQLException {
        String gone = "its session is gone but PostgreSQL has not freed its lock yet";
        if (shard.isEmpty()) {
            return "Another run of this migration is in progress (" + describe(holders(key), gone)
                    + "): this one wrote nothing; wait for it to end, or stop it";
        }
        List<String> sameShard = holders(shardKey(shard.get().index()));
        if (!sameShard.isEmpty()) {
            return "Shard " + shard.get().index() + " of this migration is running already (" + describe(sameShard, gone)
                    + "): this one wrote nothing";
        }
        return "An unsharded run of this migration is in progress (" + describe(holders(key), gone)
                + "): this shard wrote nothing; wait for it to end, or stop it";
    }

    private static String describe(List<String> holders, String ifNone) {
        return holders.isEmpty() ? ifNone : String.join("; ", holders);
    }

    /** The runs that hold the migration's lock now (an unsharded run, or the shards running), as they named themselves. */
    List<String> holders() throws SQLException {
        return holders(key);
    }

    private List<String> holders(long lockKey) throws SQLException {
        try (Connection probe = open(); PreparedStatement query = probe.prepareStatement(HOLDER)) {
            query.setLong(1, lockKey >>> 32);
            query.setLong(2, lockKey & 0xFFFFFFFFL);
            List<String> names = new ArrayList<>();
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    names.add(result.getString(1));
                }
            }
            return names;
        }
    }

    /** Takes every lock this run needs on one new session, or none of them. */
    private Optional<Connection> tryLock() throws SQLException {
        Connection candidate = open();
        boolean locked = tryLock(candidate, shard.isPresent() ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock",
                key) && (shard.isEmpty() || tryLock(candidate, "pg_try_advisory_lock", shardKey(shard.get().index())));
        if (locked) {
            return Optional.of(candidate);
        }
        // Closing the session frees whatever it took.
        candidate.close();
        return Optional.empty();
    }

    private static boolean tryLock(Connection session, String function, long lockKey) throws SQLException {
        try (PreparedStatement lock = session.prepareStatement("SELECT " + function + "(?)")) {
            lock.setLong(1, lockKey);
            try (ResultSet result = lock.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    private Connection open() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", connection.dbUser());
        properties.setProperty("password", connection.dbPassword());
        properties.setProperty("ApplicationName", holderName);
        properties.setProperty("socketTimeout", Long.toString(timeouts.socketTimeoutSeconds()));
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(connection.dbUrl(), properties);
    }

    /** Frees the lock now; PostgreSQL would when the session ends anyway. */
    @Override
    public void close() {
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        Connection current = session;
        if (current != null) {
            try (PreparedStatement unlock = current.prepareStatement("SELECT pg_advisory_unlock_all()")) {
                unlock.execute();
            } catch (SQLException e) {
                LOG.debug("Cannot free the run lock (its session ends with the process): {}", e.getMessage());
            }
            closeQuietly(current);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("Closing the run lock's session: {}", e.getMessage());
        }
    }

    /** The host's name: a pod's name in Kubernetes. */
    private static String host() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name.isBlank() ? "an unknown host" : name;
        } catch (UnknownHostException e) {
            return "an unknown host";
        }
    }
}
