package dev.statestore.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts that make each operation one atomic step of Redis. Every key a script touches carries
 * the scope's hash tag, so the scripts run unchanged on a cluster. Times come from the server
 * ({@code TIME}), the same clock for every client. Nothing here sorts strings: Lua compares them with
 * the server's locale, so ordering is left to {@code ZRANGEBYLEX} (byte order) and to Java.
 */
enum Scripts {

    /**
     * KEYS: doc, idx, the fence's control document, the key's history, the index of keys with history. ARGV: mode
     * (any|absent|version), expected version, json, status, fqn ('' for the stack output), status-set key prefix,
     * fenced ('1' or ''), recorded ('1' or ''), deployment, the key's member in the history index, the version the
     * key's last write or deletion must have left ('' for any: a tombstone keeps its version in 'v'). Returns
     * {1, version, at}, {0, current version or -1}, {3, current version or -1, last version} if the last version is
     * not the one required, or {2} if fenced and the fence's document exists (a newer
     * deployment has begun). A recorded write stores its change in the key's history hash, field 2 * version, value
     * {@code W|deployment|at|json}.
     */
    WRITE("""
            if ARGV[7] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then return {2} end
            local cur = redis.call('HMGET', KEYS[1], 'v', 'doc', 'st')
            local v = tonumber(cur[1]) or 0
            local live = cur[2] ~= false
            if ARGV[1] == 'absent' and live then return {0, v} end
            if ARGV[1] == 'version' and (not live or v ~= tonumber(ARGV[2])) then
              if live then return {0, v} else return {0, -1} end
            end
            if ARGV[11] ~= '' and v ~= tonumber(ARGV[11]) then
              if live then return {3, v, v} else return {3, -1, v} end
            end
            local t = redis.call('TIME')
            local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local nv = v + 1
            redis.call('HSET', KEYS[1], 'v', nv, 'doc', ARGV[3], 'at', at)
            if ARGV[5] ~= '' then
              if live and cur[3] then redis.call('ZREM', ARGV[6] .. cur[3], ARGV[5]) end
              redis.call('HSET', KEYS[1], 'st', ARGV[4])
              redis.call('ZADD', KEYS[2], 0, ARGV[5])
              redis.call('ZADD', ARGV[6] .. ARGV[4], 0, ARGV[5])
            end
            if ARGV[8] == '1' then
              redis.call('HSET', KEYS[4], string.format('%d', 2 * nv), 'W|' .. ARGV[9] .. '|' .. string.format('%d', at) .. '|' .. ARGV[3])
              redis.call('ZADD', KEYS[5], 0, ARGV[10])
            end
            return {1, nv, at}
            """),

    /**
     * KEYS: as {@link #WRITE}. ARGV: mode (any|version), expected version, fqn ('' for the stack output), status-set
     * key prefix, fenced, recorded, deployment, history member. Keeps the version as a tombstone. Returns
     * {1, 1|0 deleted}, {0, current or -1}, or {2} if fenced out. A recorded deletion stores field 2 * version + 1,
     * value {@code D|deployment|at|}.
     */
    DELETE("""
            if ARGV[5] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then return {2} end
            local cur = redis.call('HMGET', KEYS[1], 'v', 'doc', 'st')
            local v = tonumber(cur[1]) or 0
            local live = cur[2] ~= false
            if ARGV[1] == 'version' and (not live or v ~= tonumber(ARGV[2])) then
              if live then return {0, v} else return {0, -1} end
            end
            if not live then return {1, 0} end
            redis.call('HDEL', KEYS[1], 'doc', 'st', 'at')
            if ARGV[3] ~= '' then
              redis.call('ZREM', KEYS[2], ARGV[3])
              if cur[3] then redis.call('ZREM', ARGV[4] .. cur[3], ARGV[3]) end
            end
            if ARGV[6] == '1' then
              local t = redis.call('TIME')
              local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
              redis.call('HSET', KEYS[4], string.format('%d', 2 * v + 1), 'D|' .. ARGV[7] .. '|' .. string.format('%d', at) .. '|')
              redis.call('ZADD', KEYS[5], 0, ARGV[8])
            end
            return {1, 1}
            """),

    /**
     * KEYS: the index of keys with history. ARGV: min ('-' or '(' .. after), count, history key prefix, and
     * 'summary' to cut each value after its third '|' (no document). Returns {member, n, field, value, … (n pairs)},
     * for up to count members.
     */
    HISTORY_PAGE("""
            local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
            local out = {}
            for _, m in ipairs(members) do
              local all = redis.call('HGETALL', ARGV[3] .. m)
              out[#out + 1] = m
              out[#out + 1] = #all / 2
              for i = 1, #all do
                local v = all[i]
                if ARGV[4] == 'summary' and i % 2 == 0 then v = string.match(v, '^[^|]*|[^|]*|[^|]*|') or v end
                out[#out + 1] = v
              end
            end
            return out
            """),

    /** KEYS: the key's history, the index of keys with history. ARGV: member, fields…. Removes them. */
    HISTORY_REMOVE("""
            for i = 2, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
            if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) end
            return 1
            """),

    /** KEYS: idx. ARGV: min ('-' or '(' .. after), count, doc key prefix. Returns {fqn, v, doc, at, …}. */
    PAGE("""
            local fqns = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
            local out = {}
            for _, f in ipairs(fqns) do
              local d = redis.call('HMGET', ARGV[3] .. f, 'v', 'doc', 'at')
              out[#out + 1] = f
              out[#out + 1] = d[1]
              out[#out + 1] = d[2]
              out[#out + 1] = d[3]
            end
            return out
            """),

    /** KEYS: idx. ARGV: status-set key prefix, doc key prefix, statuses…. Returns {fqn, v, doc, at, …}, unsorted. */
    BY_STATUS("""
            local out = {}
            for i = 3, #ARGV do
              for _, f in ipairs(redis.call('ZRANGEBYLEX', ARGV[1] .. ARGV[i], '-', '+')) do
                local d = redis.call('HMGET', ARGV[2] .. f, 'v', 'doc', 'at')
                out[#out + 1] = f
                out[#out + 1] = d[1]
                out[#out + 1] = d[2]
                out[#out + 1] = d[3]
              end
            end
            return out
            """),

    /** KEYS: idx, output. ARGV: doc key prefix, status-set key prefix. Tombstones every document of the scope. */
    DELETE_SCOPE("""
            local fqns = redis.call('ZRANGE', KEYS[1], 0, -1)
            for _, f in ipairs(fqns) do
              local k = ARGV[1] .. f
              local st = redis.call('HGET', k, 'st')
              redis.call('HDEL', k, 'doc', 'st', 'at')
              if st then redis.call('ZREM', ARGV[2] .. st, f) end
            end
            redis.call('DEL', KEYS[1])
            redis.call('HDEL', KEYS[2], 'doc', 'at')
            return #fqns
            """),

    /** KEYS: idx, output. Returns 1 if the scope holds a record or a stack output. */
    SCOPE_LIVE("""
            if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('HEXISTS', KEYS[2], 'doc') == 1 then return 1 end
            return 0
            """),

    /** KEYS: stacks, stages of the stack. ARGV: stack, stage. */
    REGISTER("""
            redis.call('ZADD', KEYS[1], 0, ARGV[1])
            redis.call('ZADD', KEYS[2], 0, ARGV[2])
            return 1
            """),

    /** KEYS: the control document. ARGV: expected version ('' for none), json. Returns 1 if set, 0 if it changed. */
    CONTROL_SET("""
            local v = redis.call('HGET', KEYS[1], 'v')
            if ARGV[1] == '' then
              if v then return 0 end
            elseif v ~= ARGV[1] then
              return 0
            end
            redis.call('HSET', KEYS[1], 'v', (tonumber(v) or 0) + 1, 'doc', ARGV[2])
            return 1
            """),

    /** KEYS: the control document. ARGV: expected version. Returns 1 if deleted, 0 if it changed or is gone. */
    CONTROL_DELETE("""
            if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
            redis.call('DEL', KEYS[1])
            return 1
            """),

    /** KEYS: any key of the node to ask (the lock). Returns the server's time in milliseconds. */
    TIME("""
            local t = redis.call('TIME')
            return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            """);

    final String source;
    final String sha;

    Scripts(String source) {
        this.source = source;
        this.sha = sha1(source);
    }

    private static String sha1(String source) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
