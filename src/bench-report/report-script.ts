/**
 * The report page's only script, inlined: a hover readout over the power
 * chart (time, watts, memory, and the inference under the cursor). The
 * charts are pre-rendered SVG, so the page shows everything without it.
 * It reads the embedded session JSON and writes text with `textContent` only.
 */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  var dataEl = document.getElementById('tinyedge-bench-data');
  var svg = document.getElementById('power-chart');
  var readout = document.getElementById('power-readout');
  if (!dataEl || !svg || !readout) return;
  var data = JSON.parse(dataEl.textContent);
  var plot = JSON.parse(svg.getAttribute('data-plot'));
  var samples = data.samples;
  if (!samples.length) return;
  var cursor = svg.querySelector('.cursor');
  var dot = svg.querySelector('.cursor-dot');
  var resting = readout.textContent;
  function nearest(t) {
    var lo = 0, hi = samples.length - 1;
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (samples[mid].t < t) lo = mid; else hi = mid;
    }
    return Math.abs(samples[lo].t - t) <= Math.abs(samples[hi].t - t) ? samples[lo] : samples[hi];
  }
  function hide() {
    cursor.setAttribute('visibility', 'hidden');
    dot.setAttribute('visibility', 'hidden');
    readout.textContent = resting;
  }
  svg.addEventListener('pointermove', function (ev) {
    var ctm = svg.getScreenCTM();
    if (!ctm) return;
    var pt = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(ctm.inverse());
    if (pt.x < plot.left || pt.x > plot.left + plot.width) { hide(); return; }
    var t = ((pt.x - plot.left) / plot.width) * plot.endMs;
    var s = nearest(t);
    var x = plot.left + (s.t / plot.endMs) * plot.width;
    var y = plot.top + plot.height - (Math.max(s.watts, 0) / plot.yTop) * plot.height;
    cursor.setAttribute('x1', x); cursor.setAttribute('x2', x); cursor.setAttribute('visibility', 'visible');
    dot.setAttribute('cx', x); dot.setAttribute('cy', y); dot.setAttribute('visibility', 'visible');
    var text = (s.t / 1000).toFixed(2) + ' s  ·  ' + s.watts.toFixed(2) + ' W ' + data.power.kind + '  ·  RSS ' + s.rssMb.toFixed(0) + ' MB';
    for (var i = 0; i < data.inferences.length; i++) {
      var inf = data.inferences[i];
      if (t >= inf.startMs && t <= inf.endMs) {
        text += '  ·  ' + data.models[inf.model].name + ' inference ' + (i + 1) + ': ' + inf.generatedTokens + ' tokens in ' + (inf.endMs - inf.startMs).toFixed(0) + ' ms';
        break;
      }
    }
    readout.textContent = text;
  });
  svg.addEventListener('pointerleave', hide);
})();
`;
