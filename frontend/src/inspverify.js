// The verify buttons of /citizen/inspections: ask the server to re-run a
// published draw from the published plan and revealed seed
// (/api/v1/inspections/public/{id}/verify) and say, in the page's words,
// whether it gives the published result. Without script the button is a
// link to the same JSON. A bundle of its own, so the page loads no map.
function startVerify() {
  for (const b of document.querySelectorAll('[data-verify]')) {
    b.addEventListener('click', async (e) => {
      e.preventDefault();
      const id = b.dataset.verify;
      const out = document.getElementById('verify-result-' + id);
      out.className = 'verify-result';
      out.textContent = '…';
      try {
        const r = await fetch('/api/v1/inspections/public/' + encodeURIComponent(id) + '/verify', { headers: { Accept: 'application/json' } });
        const body = await r.json();
        if (r.ok && body.match) {
          out.classList.add('verify-ok');
          out.dataset.match = 'true';
          out.textContent = '✓ ' + out.dataset.ok + ' (seed ' + String(body.seed).slice(0, 16) + '…, ' + new Date(body.checked_at).toLocaleString(document.documentElement.lang === 'en' ? 'en' : 'zh-CN') + ')';
        } else {
          out.classList.add('verify-bad');
          out.dataset.match = 'false';
          out.textContent = '✗ ' + out.dataset.bad + (body.problem || body.detail || r.status);
        }
      } catch (err) {
        out.classList.add('verify-bad');
        out.textContent = '✗ ' + out.dataset.bad + err;
      }
    });
  }
}

startVerify();
