// Rapport d'activité: the three charts, drawn with Chart.js from the figures the page carries
// in <script type="application/json" id="donnees-rapport"> (the same as its tables).
(() => {
  const source = document.getElementById("donnees-rapport");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // Distinct for the usual colour blindnesses (Okabe–Ito), words in the legend beside them.
  const COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  const number = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1f2937";
  Chart.defaults.font.size = 14;  // read on a tablet at arm's length
  Chart.defaults.animation = false;  // figures for a report, not a show
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.locale = "fr-FR";
  const drawn = [];

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) drawn.push(new Chart(canvas, config));
  }

  draw("graphique-prets", {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Prêts commencés", data: data.loans.started, backgroundColor: COLOURS[0] },
        { label: "Prêts terminés", data: data.loans.ended, backgroundColor: COLOURS[1] },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  draw("graphique-jours", {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.days.map((place, i) => ({ label: place.label, data: place.values,
                                               backgroundColor: COLOURS[i % COLOURS.length] })),
    },
    options: {
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "jours" } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label} : ${number.format(c.parsed.y)} j` } } },
    },
  });

  draw("graphique-utilisation", {
    type: "line",
    data: {
      labels: data.labels,
      datasets: data.utilisation.map((kind, i) => ({ label: kind.label, data: kind.values, borderColor: COLOURS[i],
                                                     backgroundColor: COLOURS[i], pointStyle: ["circle", "rect", "triangle", "rectRot"][i % 4],
                                                     pointRadius: 4, spanGaps: true })),
    },
    options: {
      scales: { y: { beginAtZero: true, suggestedMax: 100, ticks: { callback: (v) => `${v} %` } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label} : ${number.format(c.parsed.y)} %` } } },
    },
  });
  window.activityCharts = drawn;
})();
