-- SPDX-License-Identifier: GPL-2.0-only
-- whoflow post-dissector: turns the packet comment whoflow writes into every
-- pcapng packet ("pid=... comm=... attribution=...") into filterable fields,
-- so that `whoflow.comm == "curl"` works in Wireshark and tshark.
-- Install: copy to ~/.local/lib/wireshark/plugins/ (make install puts it in
-- Wireshark's global plugin directory), or run tshark -X lua_script:whoflow.lua.

local p = Proto("whoflow", "whoflow process attribution")

local fields = {
    pid = ProtoField.uint32("whoflow.pid", "PID"),
    tid = ProtoField.uint32("whoflow.tid", "Thread ID"),
    comm = ProtoField.string("whoflow.comm", "Command name"),
    exe = ProtoField.string("whoflow.exe", "Executable"),
    cmdline = ProtoField.string("whoflow.cmdline", "Command line"),
    ppid = ProtoField.uint32("whoflow.ppid", "Parent PID"),
    pcomm = ProtoField.string("whoflow.pcomm", "Parent command name"),
    uid = ProtoField.uint32("whoflow.uid", "User ID"),
    container = ProtoField.string("whoflow.container", "Container ID"),
    container_name = ProtoField.string("whoflow.container_name", "Container name"),
    container_image = ProtoField.string("whoflow.container_image", "Container image"),
    pod = ProtoField.string("whoflow.pod", "Kubernetes pod (namespace/name)"),
    cgroup = ProtoField.string("whoflow.cgroup", "Cgroup"),
    attribution = ProtoField.string("whoflow.attribution", "How the owner was found"),
}
local numeric = { pid = true, tid = true, ppid = true, uid = true }
for _, f in pairs(fields) do
    table.insert(p.fields, f)
end

local comment_field = Field.new("frame.comment")

-- key=value pairs; a value in double quotes may hold spaces and C escapes.
local function parse(s)
    local out, i, n = {}, 1, #s
    while i <= n do
        while i <= n and s:sub(i, i) == " " do i = i + 1 end
        local eq = s:find("=", i, true)
        if not eq then break end
        local key = s:sub(i, eq - 1)
        local j, val = eq + 1, ""
        if s:sub(j, j) == '"' then
            j = j + 1
            local buf = {}
            while j <= n and s:sub(j, j) ~= '"' do
                local c = s:sub(j, j)
                if c == "\\" and s:sub(j + 1, j + 1) == "x" then
                    table.insert(buf, string.char(tonumber(s:sub(j + 2, j + 3), 16)))
                    j = j + 4
                elseif c == "\\" then
                    table.insert(buf, s:sub(j + 1, j + 1))
                    j = j + 2
                else
                    table.insert(buf, c)
                    j = j + 1
                end
            end
            val = table.concat(buf)
            j = j + 1
        else
            local sp = s:find(" ", j, true) or (n + 1)
            val = s:sub(j, sp - 1)
            j = sp
        end
        out[key] = val
        i = j
    end
    return out
end

function p.dissector(tvb, pinfo, tree)
    local c = comment_field()
    if not c then return end
    local kv = parse(tostring(c.value))
    if not kv.attribution then return end
    local t = tree:add(p, "whoflow: " .. (kv.comm or kv.attribution))
    for key, f in pairs(fields) do
        local v = kv[key]
        if v then
            if numeric[key] then
                t:add(f, tonumber(v))
            else
                t:add(f, v)
            end
        end
    end
end

register_postdissector(p)
