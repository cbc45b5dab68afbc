using System;
using System.IO;

namespace GolemImage.Tests.Squashfs
{
    /// <summary>
    /// A canonical, sorted description of a file tree (directory on disk, tar file, or `unsquashfs -lln` listing),
    /// written by a small Python program so that it is independent of the code under test. Two readers agree on an
    /// image when their manifests are equal line by line.
    /// </summary>
    internal static class TreeManifest
    {
        private const string Script = """
import os, sys, stat, hashlib, tarfile, base64, re, urllib.parse, time

MAX = 2**32 - 1
def clamp(t): return max(0, min(int(t), MAX))
def show(b):
    return b.decode('utf-8', 'backslashreplace') if isinstance(b, bytes) else b

def line(rel, kind, mode, uid, gid, mtime, extra, xattrs, group, reduced):
    if reduced:
        return f"{rel} {kind} {mode:04o} {uid}/{gid} {time.strftime('%Y-%m-%d %H:%M', time.gmtime(mtime))} {extra}"
    s = f"{rel} {kind} {mode:04o} {uid}/{gid} {mtime} {extra}"
    if xattrs: s += " xattrs=" + ",".join(xattrs)
    if group: s += " " + group
    return s

def from_dir(root, reduced):
    rootb = os.fsencode(root)
    entries = []
    groups = {}
    for dirpath, dirnames, filenames in os.walk(rootb):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = show(os.path.relpath(p, rootb))
            if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
                groups.setdefault((st.st_dev, st.st_ino), []).append(rel)
            entries.append((rel, p, st))
    label = {}
    for key, members in groups.items():
        # Links to the same file from outside the tree (perf's build-id cache links /usr/lib files into ~/.debug)
        # are not in the tar either: such a file is a plain file there.
        if len(members) < 2: continue
        for m in members: label[m] = f"links={len(members)} group={min(members)}"
    out = []
    for rel, p, st in entries:
        m = st.st_mode
        xs = []
        try:
            for n in sorted(os.listxattr(p, follow_symlinks=False)):
                if n.startswith('system.'): continue
                xs.append(n + '=' + os.getxattr(p, n, follow_symlinks=False).hex())
        except OSError:
            pass
        if stat.S_ISDIR(m): kind, extra = 'd', ''
        elif stat.S_ISREG(m):
            h = hashlib.sha256()
            with open(p, 'rb') as f:
                for chunk in iter(lambda: f.read(1 << 20), b''): h.update(chunk)
            kind, extra = 'f', f"{st.st_size}" + ('' if reduced else ' ' + h.hexdigest())
        elif stat.S_ISLNK(m): kind, extra = 'l', show(os.readlink(p))
        elif stat.S_ISCHR(m): kind, extra = 'c', f"{os.major(st.st_rdev)},{os.minor(st.st_rdev)}"
        elif stat.S_ISBLK(m): kind, extra = 'b', f"{os.major(st.st_rdev)},{os.minor(st.st_rdev)}"
        elif stat.S_ISFIFO(m): kind, extra = 'p', ''
        else: kind, extra = '?', ''
        out.append(line(rel, kind, stat.S_IMODE(m), st.st_uid, st.st_gid, clamp(st.st_mtime), extra, xs, label.get(rel, ''), reduced))
    return out

def from_tar(path, reduced):
    out = []
    with tarfile.open(path) as t:
        members = t.getmembers()
        byname = {}
        norm = lambda n: n[2:] if n.startswith('./') else n
        for mem in members: byname[norm(mem.name).rstrip('/')] = mem
        groups = {}
        for mem in members:
            if mem.islnk():
                target = norm(mem.linkname).rstrip('/')
                groups.setdefault(target, {target}).add(norm(mem.name).rstrip('/'))
        label = {}
        for target, names in groups.items():
            for n in names: label[n] = f"links={len(names)} group={min(names)}"
        for mem in members:
            rel = norm(mem.name).rstrip('/')
            if rel in ('', '.'): continue
            xs = []
            for k, v in mem.pax_headers.items():
                if k.startswith('SCHILY.xattr.'):
                    xs.append(k[len('SCHILY.xattr.'):] + '=' + v.encode('utf-8', 'surrogateescape').hex())
                elif k.startswith('LIBARCHIVE.xattr.'):
                    xs.append(urllib.parse.unquote(k[len('LIBARCHIVE.xattr.'):]) + '=' + base64.b64decode(v).hex())
            xs = sorted(set(xs))
            src = mem
            if mem.islnk(): src = byname[norm(mem.linkname).rstrip('/')]
            if src.isdir(): kind, extra = 'd', ''
            elif src.isreg():
                data = t.extractfile(src).read()
                kind, extra = 'f', f"{len(data)}" + ('' if reduced else ' ' + hashlib.sha256(data).hexdigest())
            elif src.issym(): kind, extra = 'l', src.linkname
            elif src.ischr(): kind, extra = 'c', f"{src.devmajor},{src.devminor}"
            elif src.isblk(): kind, extra = 'b', f"{src.devmajor},{src.devminor}"
            elif src.isfifo(): kind, extra = 'p', ''
            else: kind, extra = '?', ''
            out.append(line(rel, kind, src.mode & 0o7777, src.uid, src.gid, clamp(src.mtime), extra, xs, label.get(rel, ''), reduced))
    return out

def perm(s):
    m = 0
    bits = [(1, 'r', 0o400), (2, 'w', 0o200), (4, 'r', 0o40), (5, 'w', 0o20), (7, 'r', 0o4), (8, 'w', 0o2)]
    for i, c, b in bits:
        if s[i] == c: m |= b
    for i, x, special in [(3, 0o100, 0o4000), (6, 0o10, 0o2000), (9, 0o1, 0o1000)]:
        c = s[i]
        if c in 'xst': m |= x
        if c in 'sStT': m |= special
    return m

def from_lln(path):
    out = []
    rx = re.compile(r'^(\S{10}) (\d+)/(\d+)\s+(\d+|\d+,\s*\d+) (\d{4}-\d\d-\d\d \d\d:\d\d) squashfs-root(/.*?)?(?: -> (.*))?$', re.S)
    with open(path, 'rb') as f:
        for raw in f.read().split(b'\n'):
            if not raw.startswith((b'-', b'd', b'l', b'c', b'b', b'p', b's')) or b'squashfs-root' not in raw: continue
            text = raw.decode('utf-8', 'backslashreplace')
            mt = rx.match(text)
            if not mt: raise SystemExit('unparsed: ' + text)
            ps, uid, gid, size, when, name, target = mt.groups()
            if not name: continue
            kind = {'-': 'f', 'd': 'd', 'l': 'l', 'c': 'c', 'b': 'b', 'p': 'p'}[ps[0]]
            extra = ''
            if kind == 'f': extra = size
            elif kind in 'cb':
                # unsquashfs 4.5 prints the raw squashfs rdev as (rdev >> 8, rdev & 0xff); decode it like the kernel.
                hi, lo = (int(x) for x in re.sub(r'\s+', '', size).split(','))
                rdev = (hi << 8) | lo
                extra = f"{(rdev & 0xfff00) >> 8},{(rdev & 0xff) | ((rdev >> 12) & 0xfff00)}"
            elif kind == 'l': extra = target
            out.append(f"{name[1:]} {kind} {perm(ps):04o} {uid}/{gid} {when} {extra}")
    return out

mode, arg = sys.argv[1], sys.argv[2]
reduced = len(sys.argv) > 3
lines = from_dir(arg, reduced) if mode == 'dir' else from_tar(arg, reduced) if mode == 'tar' else from_lln(arg)
sys.stdout.write("\n".join(sorted(lines)) + "\n")
""";

        private static readonly Lazy<string> ScriptPath = new Lazy<string>(() =>
        {
            string path = Path.Combine(Path.GetTempPath(), $"golemimage-manifest-{Environment.ProcessId}.py");
            File.WriteAllText(path, Script);
            return path;
        });

        public static string OfDirectory(string directory, bool reduced = false) => Run("dir", directory, reduced);

        public static string OfTar(string tarFile, bool reduced = false) => Run("tar", tarFile, reduced);

        /// <summary>The reduced manifest of an `unsquashfs -lln` listing saved in a file.</summary>
        public static string OfListing(string listingFile) => Run("lln", listingFile, false);

        private static string Run(string mode, string path, bool reduced)
        {
            var arguments = reduced ? new[] { ScriptPath.Value, mode, path, "reduced" } : new[] { ScriptPath.Value, mode, path };
            return ExternalTool.RunChecked("python3", arguments);
        }
    }
}
