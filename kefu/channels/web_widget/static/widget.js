/*! Kefu chat widget. Embed with:
 *  <script src="https://YOUR-KEFU/widget.js" data-shop="SLUG" async></script>
 * Optional: data-customer-id + data-customer-signature (hex HMAC-SHA256 of the id under the
 * shop's widget secret) link the shopper to your customer; data-product='{"title":…}' offers
 * a product card to send; data-product-id (your product id) and data-cart-value-cents tell
 * agents which product the shopper looks at and what is in the cart. Plain JavaScript, no
 * dependencies.
 *
 * Everything lives in a Shadow DOM: the shop's CSS cannot reach in, ours cannot leak out,
 * and there is no second page to load (an iframe would need one plus postMessage). Every
 * text a person typed is put into the page with textContent, never parsed as HTML. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-shop][src*='widget.js']");
  if (!script || (window.Kefu && window.Kefu.version)) return;
  var SHOP = script.getAttribute("data-shop");
  if (!SHOP) return;
  var BASE = new URL(script.src, location.href).origin;
  var API = BASE + "/api/v1/widget";
  var KEY = "kefu:" + SHOP + ":";
  var LANG = /^en/i.test(document.documentElement.lang || "") ? "en" : "zh";

  var TEXTS = {
    zh: {
      title: "在线客服", open: "联系客服", close: "关闭", placeholder: "输入消息，回车发送",
      send: "发送", emoji: "表情", image: "发送图片", greeting: "您好，欢迎光临{shop}！请问有什么可以帮您？",
      read: "已读", unread: "未读", sending: "发送中…", failed: "发送失败，点击重试",
      typing: "客服正在输入…", queue: "正在为您接入客服，前面还有 {n} 位", queueNext: "正在为您接入客服，您是下一位", wait: "，预计等待约 {t}", offlineTitle: "客服暂时不在线",
      offlineHint: "请留言，我们将在 {t}内回复您。", name: "您的称呼", contact: "手机号 / 微信 / 邮箱",
      message: "留言内容", leave: "提交留言", left: "留言已收到，我们将在 {t}内回复您。",
      serving: "{name} 为您服务", closed: "本次会话已结束", rate: "请为本次服务评分", comment: "说说您的感受（选填）",
      submit: "提交评价", thanks: "感谢您的评价！", newChat: "继续咨询", sendProduct: "发送商品",
      recommend: "您有多大可能把我们推荐给朋友？", score: "{n} 分", unlikely: "0 完全不会", likely: "10 非常愿意",
      recommended: "感谢您的反馈！",
      minutes: "{n} 分钟", hours: "{n} 小时", tooBig: "图片太大了", notImage: "只能发送图片",
      tooFast: "发送太频繁，请稍后再试", offline: "网络已断开，正在重连…",
      orderNo: "订单号", total: "实付", stars: ["非常不满意", "不满意", "一般", "满意", "非常满意"],
      required: "请填写称呼、联系方式和留言", error: "出错了，请稍后再试",
      afterSales: "申请售后", back: "返回", myCases: "我的售后", canApply: "可申请售后的商品",
      noLines: "暂无可申请售后的商品（签收后 {n} 天内可申请）", apply: "申请退换", kind: "售后类型", reason: "原因",
      detail: "补充说明（选填）", submitCase: "提交申请", applied: "申请已提交，请留意处理进度",
      duplicate: "该商品已有处理中的售后申请", tooLate: "已超过可申请售后的期限",
      addPhotos: "添加照片（最多 {n} 张）", removePhoto: "删除照片", uploading: "照片上传中…", photo: "照片",
      types: { "return": "退货", exchange: "换货", refund_only: "仅退款" },
      reasons: { no_longer_wanted: "不想要了（7天无理由）", wrong_size: "尺码/规格不合适", not_as_described: "与描述不符", quality: "质量问题", damaged: "商品破损", other: "其他" },
      rateCase: "对本次售后处理满意吗？请评分", ratedCase: "您的评价：{stars}", alreadyRated: "这个售后单已经评价过了",
      statuses: { "new": "待受理", accepted: "已受理", investigating: "处理中", waiting_customer: "待您补充", waiting_warehouse: "仓库处理中", waiting_carrier: "物流处理中", resolved: "已解决", closed: "已关闭", reopened: "重新处理中" }
    },
    en: {
      title: "Chat with us", open: "Chat", close: "Close", placeholder: "Type a message, Enter to send",
      send: "Send", emoji: "Emoji", image: "Send a picture", greeting: "Hello, welcome to {shop}! How can we help you?",
      read: "Read", unread: "Delivered", sending: "Sending…", failed: "Not sent, tap to retry",
      typing: "Agent is typing…", queue: "Connecting you to an agent, {n} ahead of you", queueNext: "Connecting you to an agent, you are next", wait: " (about {t})", offlineTitle: "We are away right now",
      offlineHint: "Leave a message and we will reply within {t}.", name: "Your name", contact: "Phone / WeChat / e-mail",
      message: "Your message", leave: "Leave message", left: "Message received. We will reply within {t}.",
      serving: "{name} is helping you", closed: "This chat has ended", rate: "How did we do?", comment: "Tell us more (optional)",
      submit: "Submit", thanks: "Thank you for your feedback!", newChat: "New question", sendProduct: "Send product",
      recommend: "How likely are you to recommend us to a friend?", score: "{n} of 10", unlikely: "0 not at all", likely: "10 extremely",
      recommended: "Thank you!",
      minutes: "{n} min", hours: "{n} h", tooBig: "The picture is too large", notImage: "Only pictures can be sent",
      tooFast: "Too fast, please wait a moment", offline: "Connection lost, reconnecting…",
      orderNo: "Order", total: "Total", stars: ["Very poor", "Poor", "OK", "Good", "Excellent"],
      required: "Please fill in your name, contact and message", error: "Something went wrong, please try again",
      afterSales: "Returns", back: "Back", myCases: "My requests", canApply: "Items you can return",
      noLines: "Nothing to return now (within {n} days of delivery)", apply: "Request", kind: "Request", reason: "Reason",
      detail: "More details (optional)", submitCase: "Submit", applied: "Request sent. Follow its progress here",
      duplicate: "This item already has an open request", tooLate: "The return period has passed",
      addPhotos: "Add photos (up to {n})", removePhoto: "Remove photo", uploading: "Uploading photos…", photo: "Photo",
      types: { "return": "Return", exchange: "Exchange", refund_only: "Refund only" },
      reasons: { no_longer_wanted: "Changed my mind", wrong_size: "Wrong size", not_as_described: "Not as described", quality: "Quality problem", damaged: "Arrived damaged", other: "Other" },
      rateCase: "How did we handle it? Rate us", ratedCase: "Your rating: {stars}", alreadyRated: "This request was already rated",
      statuses: { "new": "Received", accepted: "Accepted", investigating: "In progress", waiting_customer: "Waiting for you", waiting_warehouse: "At the warehouse", waiting_carrier: "With the carrier", resolved: "Resolved", closed: "Closed", reopened: "Reopened" }
    }
  }[LANG];

  function t(key, vars) {
    return String(TEXTS[key]).replace(/\{(\w+)\}/g, function (_, name) {
      return vars && vars[name] != null ? String(vars[name]) : "";
    });
  }

  var EMOJI = "😀 😁 😂 🤣 😊 😍 😘 😎 🤔 😅 😭 😡 👍 👎 👌 🙏 👏 💪 🎉 ❤️ 💔 🌹 🎁 📦 🚚 💰 ✅ ❌ ❓ ⏰ 😳 🥰 😴 🤗 😢 🙂 😉 🤝 👀 🔥".split(" ");

  // --- storage (private browsing may refuse it: then the widget forgets on reload) -------
  function load(name) {
    try { return JSON.parse(localStorage.getItem(KEY + name)); } catch (e) { return null; }
  }
  function save(name, value) {
    try {
      if (value == null) localStorage.removeItem(KEY + name);
      else localStorage.setItem(KEY + name, JSON.stringify(value));
    } catch (e) { /* storage full or refused: keep going in memory */ }
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- state ----------------------------------------------------------------------------
  var FIRST_RETRY = 2000; // ms before an unacknowledged message goes again
  var state = {
    token: load("token"),
    conversation: null,
    conversationId: load("conversation"),
    lastEventId: load("last_event_id"),
    outbox: load("outbox") || [], // messages sent but not acknowledged: retried with their client_id
    messages: {}, // id → message
    profile: null,
    agentRead: 0,
    open: false,
    socket: null,
    backoff: 1000,
    retry: null, // the timer that sends the outbox again after a refusal on our side
    retryWait: FIRST_RETRY,
    greeted: false, // the greeting is on screen (the widget's own, or the stored one)
    invited: false, // an invitation was shown on this page (never twice)
    invitation: null, // the rule id of the invitation on screen
    starting: null
  };

  // --- HTTP -----------------------------------------------------------------------------
  function request(method, path, body, isForm) {
    var headers = {};
    if (state.token) headers["X-Visitor-Token"] = state.token;
    if (body && !isForm) headers["Content-Type"] = "application/json";
    return fetch(API + path, {
      method: method,
      headers: headers,
      body: body ? (isForm ? body : JSON.stringify(body)) : undefined,
      credentials: "omit"
    }).then(function (response) {
      if (response.ok) return response.status === 204 ? null : response.json();
      var error = new Error("HTTP " + response.status);
      error.status = response.status;
      throw error;
    });
  }

  // What to tell the shopper about a refused request; ``image`` for an upload's refusals.
  function problem(error, image) {
    var status = error && error.status;
    if (status === 429) return t("tooFast");
    if (image && status === 413) return t("tooBig");
    if (image && (status === 415 || status === 422)) return t("notImage");
    if (status === 422) return t("required");
    return t("error");
  }

  // --- DOM helpers: text only, never HTML from data ------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (name === "text") node.textContent = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else if (value != null && value !== false) node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  // Line icons drawn from fixed path data (no emoji font needed for the widget's chrome).
  var ICONS = {
    chat: "M4 5h16v11H9l-5 4z",
    smile: "M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0M8.5 14.5s1.3 1.8 3.5 1.8 3.5-1.8 3.5-1.8M9 9.5v.5M15 9.5v.5",
    image: "M3 5h18v14H3zM7 10a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0M21 16l-5-5-9 8",
    horn: "M3 10v4h3l6 4V6l-6 4zM16 9a4 4 0 0 1 0 6M18.5 6.5a7.5 7.5 0 0 1 0 11",
    close: "M6 6l12 12M18 6L6 18",
    bag: "M5 8h14l-1 12H6zM9 8a3 3 0 0 1 6 0",
    box: "M3 7l9-4 9 4v10l-9 4-9-4zM3 7l9 4 9-4M12 11v10"
  };
  function icon(name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "icon");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function safeUrl(value) {
    try {
      var url = new URL(String(value), location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }

  function money(cents, currency) {
    var amount = (Number(cents) || 0) / 100;
    var symbol = !currency || currency === "CNY" ? "¥" : currency + " ";
    return symbol + amount.toFixed(2);
  }

  function duration(minutes) {
    return minutes < 60 ? t("minutes", { n: minutes }) : t("hours", { n: Math.round(minutes / 6) / 10 });
  }

  // --- the shadow root and its parts ---------------------------------------------------
  var host = el("div", { id: "kefu-widget", style: "all: initial; position: fixed; z-index: 2147483000; bottom: 0; right: 0;" });
  var root = host.attachShadow({ mode: "open" });
  var CSS_TEXT = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:-apple-system,BlinkMacSystemFont,\"Segoe UI\",\"PingFang SC\",\"Hiragino Sans GB\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif;letter-spacing:normal}",
    "[hidden]{display:none!important}",
    "button{font:inherit;cursor:pointer}",
    ".launcher{position:fixed;right:20px;bottom:20px;display:flex;align-items:center;gap:8px;border:0;border-radius:999px;padding:12px 20px 12px 16px;background:#1f6bff;color:#fff;font-size:15px;font-weight:600;box-shadow:0 8px 24px rgba(31,107,255,.35)}",
    ".launcher:hover{background:#1554d1}",
    ".invite{position:fixed;right:20px;bottom:76px;max-width:260px;border:0;border-radius:12px;padding:10px 14px;background:#fff;color:#1a1a1a;font-size:14px;text-align:left;box-shadow:0 8px 24px rgba(0,0,0,.18)}",
    ".icon{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:1.8;stroke-linecap:round;stroke-linejoin:round;flex:none;display:block}",
    ".badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#e5484d;color:#fff;font-size:12px;line-height:20px;text-align:center;padding:0 5px}",
    ".panel{position:fixed;right:20px;bottom:20px;width:380px;height:min(620px,calc(100vh - 40px));display:flex;flex-direction:column;background:#f5f7fb;border-radius:16px;overflow:hidden;box-shadow:0 18px 50px rgba(16,24,40,.25);color:#1d2433;font-size:14px;line-height:1.5}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:14px 16px;background:linear-gradient(135deg,#1f6bff,#5b8cff);color:#fff}",
    ".who{display:flex;align-items:center;gap:10px}",
    ".who strong{display:block;font-size:15px}",
    ".avatar{width:36px;height:36px;border-radius:50%;background:rgba(255,255,255,.22);display:flex;align-items:center;justify-content:center;font-weight:700;flex:none}",
    ".avatar.small{width:28px;height:28px;font-size:12px;background:#eaf1ff;color:#1f6bff}",
    ".status{font-size:12px;opacity:.9}",
    ".status.on{color:#b7f7cf}",
    ".x{border:0;background:transparent;color:#fff;padding:4px;border-radius:8px}",
    ".x:hover{background:rgba(255,255,255,.15)}",
    ".announce{display:flex;gap:8px;align-items:center;background:#fff7e6;color:#8a4b00;font-size:13px;padding:7px 14px;border-bottom:1px solid #fde7c0}",
    ".announce .icon{width:16px;height:16px}",
    ".announce span{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
    ".queue{background:#eaf1ff;color:#1849a9;font-size:13px;padding:7px 14px}",
    ".list{flex:1;overflow-y:auto;padding:14px 12px;display:flex;flex-direction:column;gap:10px}",
    ".msg{display:flex;gap:8px;align-items:flex-end;max-width:100%}",
    ".msg.mine{flex-direction:row-reverse}",
    ".body{max-width:78%;display:flex;flex-direction:column}",
    ".mine .body{align-items:flex-end}",
    ".text{padding:8px 12px;border-radius:14px;background:#fff;white-space:pre-wrap;word-break:break-word;overflow-wrap:anywhere;box-shadow:0 1px 2px rgba(16,24,40,.06)}",
    ".theirs .text{border-bottom-left-radius:4px}",
    ".choice{display:block;margin-top:6px;padding:4px 10px;border:1px solid #1f6bff;border-radius:12px;background:#fff;color:#1f6bff;cursor:pointer;text-align:left}",
    ".mine .text{background:#1f6bff;color:#fff;border-bottom-right-radius:4px}",
    ".receipt{font-size:11px;color:#98a2b3;margin-top:2px}",
    ".receipt.read{color:#067647}",
    ".receipt.failed{color:#c0262d;cursor:pointer}",
    ".notice{align-self:center;font-size:12px;color:#667085;background:#e9edf3;border-radius:999px;padding:3px 12px;text-align:center;max-width:90%}",
    ".pic{max-width:200px;max-height:200px;border-radius:10px;cursor:zoom-in;background:#e4e8ef;display:block;min-width:60px;min-height:60px;object-fit:cover}",
    ".card{display:flex;gap:10px;padding:10px;border-radius:12px;background:#fff;border:1px solid #e4e8ef;color:#1d2433;text-decoration:none;width:240px;max-width:100%}",
    ".card-pic{width:52px;height:52px;border-radius:8px;background:#fff3ea;display:flex;align-items:center;justify-content:center;color:#d0431b;flex:none}",
    ".card-pic .icon{width:28px;height:28px}",
    ".order .card-pic{background:#eaf1ff;color:#1f6bff}",
    ".card-title{font-weight:600;overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;word-break:break-word}",
    ".price{color:#d0431b;font-weight:700}",
    ".muted{color:#667085;font-size:12px}",
    ".typing{font-size:12px;color:#667085;padding:0 16px 6px}",
    ".composer{background:#fff;border-top:1px solid #e4e8ef;padding:8px 10px 10px;position:relative}",
    ".row{display:flex;align-items:flex-end;gap:6px}",
    "textarea,input{font:inherit;font-size:14px;color:#1d2433;border:1px solid #d3d9e3;border-radius:10px;padding:8px 10px;background:#fff;width:100%;resize:none;outline:none}",
    "textarea:focus,input:focus{border-color:#1f6bff;box-shadow:0 0 0 3px #eaf1ff}",
    ".row textarea{flex:1;max-height:110px;min-height:38px}",
    ".tool{border:0;background:transparent;color:#667085;padding:8px 5px;border-radius:8px}",
    ".tool:hover{color:#1f6bff}",
    ".tool:hover{background:#f2f4f7}",
    ".send{border:0;border-radius:10px;background:#1f6bff;color:#fff;padding:8px 14px;font-weight:600;flex:none}",
    ".send:hover{background:#1554d1}",
    ".send.wide{width:100%;margin-top:8px;padding:10px}",
    ".emojis{display:grid;grid-template-columns:repeat(8,1fr);gap:2px;padding:6px;margin-bottom:6px;border:1px solid #e4e8ef;border-radius:10px;background:#fff}",
    ".emojis button{border:0;background:transparent;font-size:20px;padding:4px;border-radius:6px}",
    ".emojis button:hover{background:#f2f4f7}",
    ".product-offer{display:flex;align-items:center;gap:8px;justify-content:space-between;background:#fff3ea;border-radius:10px;padding:6px 10px;margin-bottom:6px;font-size:13px}",
    ".product-offer span{overflow:hidden;white-space:nowrap;text-overflow:ellipsis}",
    ".product-offer button{border:1px solid #f0b89a;background:#fff;color:#c0561f;border-radius:999px;padding:2px 10px;flex:none;font-size:12px}",
    ".offline{padding:16px;background:#fff;overflow-y:auto;border-top:1px solid #e4e8ef}",
    ".offline label{display:block;margin-bottom:10px}",
    ".offline label span{display:block;font-size:13px;color:#667085;margin-bottom:4px}",
    ".hint{margin:0 0 12px;color:#8a4b00;background:#fff7e6;border-radius:8px;padding:8px 10px;font-size:13px}",
    ".error{color:#c0262d;font-size:13px;margin:0}",
    ".rating{align-self:stretch;background:#fff;border-radius:12px;padding:12px;text-align:center;display:flex;flex-direction:column;gap:8px;border:1px solid #e4e8ef}",
    ".stars{display:flex;justify-content:center;gap:4px}",
    ".star{border:0;background:transparent;font-size:28px;color:#d3d9e3;padding:0 2px;line-height:1}",
    ".star.on{color:#f5a524}",
    ".nps{display:flex;flex-wrap:wrap;justify-content:center;gap:4px}",
    ".nps button{min-width:26px;border:1px solid #d3d9e3;background:#fff;border-radius:6px;padding:4px 0;font-size:13px}",
    ".nps-ends{display:flex;justify-content:space-between;font-size:12px;color:#667085}",
    ".link{border:0;background:transparent;color:#1f6bff;font-size:13px}",
    ".hd{border:1px solid rgba(255,255,255,.5);background:transparent;color:#fff;border-radius:999px;padding:3px 10px;font-size:12px;margin-left:auto;margin-right:6px}",
    ".after{position:absolute;left:0;right:0;top:64px;bottom:0;z-index:2;padding:14px 16px;background:#fff;overflow-y:auto}",
    ".after h4{margin:14px 0 6px;font-size:14px}",
    ".item{border:1px solid #e4e8ef;border-radius:10px;padding:8px 10px;margin-bottom:8px}",
    ".case-rating{display:flex;flex-direction:column;gap:6px;margin-top:6px}",
    ".case-rated{color:#f5a524;margin-top:4px}",
    ".item select{display:block;width:100%;margin:6px 0;font:inherit;padding:6px;border:1px solid #d3d9e3;border-radius:8px}",
    ".photos{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}",
    ".photos figure{position:relative;margin:0;width:56px;height:56px}",
    ".photos img{width:56px;height:56px;object-fit:cover;border-radius:6px;border:1px solid #e4e8ef}",
    ".photos .remove{position:absolute;top:-6px;right:-6px;width:20px;height:20px;padding:0;border:0;border-radius:50%;background:#1d2433;color:#fff;font-size:12px;line-height:20px}",
    ".pick{display:inline-flex;align-items:center;gap:4px;color:#1f6bff;cursor:pointer;font-size:13px;margin:4px 0}",
    ".pick input{position:absolute;width:1px;height:1px;opacity:0}",
    "@media (max-width:600px){.panel{right:0;bottom:0;width:100vw;height:100%;border-radius:0}.launcher{right:14px;bottom:14px}}"
  ].join("");
  root.appendChild(el("style", { text: CSS_TEXT }));
  var ui = {};

  function build() {
    ui.launcher = el("button", { "class": "launcher", type: "button", "aria-label": t("open"), onclick: toggle }, [
      icon("chat"),
      el("span", { text: t("open") }),
      ui.badge = el("span", { "class": "badge", hidden: true })
    ]);
    ui.announce = el("div", { "class": "announce", "aria-live": "polite" });
    ui.status = el("div", { "class": "status" });
    ui.list = el("div", { "class": "list", role: "log", "aria-live": "polite" });
    ui.typing = el("div", { "class": "typing", hidden: true, text: t("typing") });
    ui.queue = el("div", { "class": "queue", hidden: true });
    ui.input = el("textarea", { rows: "1", placeholder: t("placeholder"), "aria-label": t("placeholder"), maxlength: "5000" });
    ui.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendText();
      }
    });
    ui.input.addEventListener("input", onTyping);
    ui.file = el("input", { type: "file", accept: "image/*", hidden: true, onchange: sendImage });
    ui.emojis = el("div", { "class": "emojis", hidden: true }, EMOJI.map(function (e) {
      return el("button", { type: "button", text: e, onclick: function () { insert(e); } });
    }));
    ui.product = el("div", { "class": "product-offer", hidden: true });
    ui.composer = el("div", { "class": "composer" }, [
      ui.emojis,
      ui.product,
      el("div", { "class": "row" }, [
        el("button", { "class": "tool", type: "button", title: t("emoji"), "aria-label": t("emoji"),
          onclick: function () { ui.emojis.hidden = !ui.emojis.hidden; } }, [icon("smile")]),
        el("button", { "class": "tool", type: "button", title: t("image"), "aria-label": t("image"),
          onclick: function () { ui.file.click(); } }, [icon("image")]),
        ui.input,
        ui.file,
        el("button", { "class": "send", type: "button", text: t("send"), onclick: sendText })
      ])
    ]);
    ui.offline = el("form", { "class": "offline", hidden: true, onsubmit: leaveMessage });
    ui.panel = el("section", { "class": "panel", role: "dialog", "aria-label": t("title"), hidden: true }, [
      el("header", {}, [
        el("div", { "class": "who" }, [
          ui.avatar = el("div", { "class": "avatar", "aria-hidden": "true", text: "客" }),
          el("div", {}, [ui.shopName = el("strong", { text: t("title") }), ui.status])
        ]),
        ui.afterButton = el("button", { "class": "hd", type: "button", hidden: !script.getAttribute("data-customer-id"), text: t("afterSales"), onclick: toggleAfterSales }),
        el("button", { "class": "x", type: "button", "aria-label": t("close"), onclick: toggle }, [icon("close")])
      ]),
      ui.after = el("div", { "class": "after", hidden: true }),
      ui.announce,
      ui.queue,
      ui.list,
      ui.typing,
      ui.offline,
      ui.composer
    ]);
    root.appendChild(ui.panel);
    root.appendChild(ui.launcher);
    ui.invite = el("button", { "class": "invite", type: "button", hidden: true, onclick: acceptInvitation });
    root.appendChild(ui.invite);
    document.body.appendChild(host);
    offerProduct();
  }

  function offerProduct() {
    var raw = script.getAttribute("data-product");
    if (!raw) return;
    var card;
    try { card = JSON.parse(raw); } catch (e) { return; }
    if (!card || !card.title) return;
    ui.product.hidden = false;
    ui.product.appendChild(el("span", { text: String(card.title) }));
    ui.product.appendChild(el("button", { type: "button", text: t("sendProduct"), onclick: function () {
      ui.product.hidden = true;
      send({ kind: "card", body: String(card.title), payload: { type: "product", product: card } });
    } }));
  }

  function insert(text) {
    var input = ui.input, start = input.selectionStart || input.value.length;
    input.value = input.value.slice(0, start) + text + input.value.slice(input.selectionEnd || start);
    input.focus();
    input.selectionStart = input.selectionEnd = start + text.length;
    ui.emojis.hidden = true;
  }

  // --- announcements and greeting ------------------------------------------------------
  function rotateAnnouncements(lines) {
    if (!lines.length) { ui.announce.hidden = true; return; }
    var index = 0;
    var line = el("span", { text: lines[0] });
    ui.announce.hidden = false;
    ui.announce.replaceChildren(icon("horn"), line);
    if (lines.length > 1) {
      setInterval(function () {
        index = (index + 1) % lines.length;
        line.textContent = lines[index];
      }, 5000);
    }
  }

  function greet() {
    if (state.greeted || !state.profile) return;
    state.greeted = true;
    var text = state.profile.greeting || t("greeting", { shop: state.profile.shop_name });
    // A moment's pause reads like a person answering; always well within 10 s.
    setTimeout(function () {
      if (ui.list.querySelector("[data-greeting]")) return; // the stored one came first
      var node = bubble({ sender_kind: "bot", kind: "text", body: text }, "greeting");
      node.setAttribute("data-greeting", "");
      ui.list.insertBefore(node, ui.list.firstChild);
      scrollDown();
      showCampaignMessages();
    }, 600);
  }

  // Messages of the shop's widget campaigns for this customer, once, when the panel opens
  // (the server marks them shown as it answers).
  function showCampaignMessages() {
    request("GET", "/campaign-messages").then(function (found) {
      (found.messages || []).forEach(function (text, i) {
        ui.list.appendChild(bubble({ sender_kind: "bot", kind: "text", body: text }, "campaign-" + i));
      });
      if ((found.messages || []).length) scrollDown();
    }).catch(function () {});
  }

  function showPresence() {
    var p = state.profile;
    if (!p) return;
    ui.shopName.textContent = p.shop_name;
    var chatting = state.conversation && state.conversation.status !== "closed";
    var serving = chatting && state.conversation.agent_name;
    ui.status.textContent = serving ? "● " + t("serving", { name: serving })
      : p.online ? "● " + (LANG === "en" ? "Online" : "在线") : t("offlineTitle");
    ui.status.className = "status " + (serving || p.online ? "on" : "off");
    ui.avatar.textContent = serving ? Array.from(serving)[0] : "客";
    var offline = !p.online && !p.bot && !chatting;
    ui.offline.hidden = !offline && !(state.leaveMessage && !p.online);
    ui.composer.hidden = offline;
    if (!ui.offline.hidden && !ui.offline.firstChild) buildOfflineForm();
  }

  function buildOfflineForm() {
    var p = state.profile;
    ui.offline.appendChild(el("p", { "class": "hint", text: t("offlineHint", { t: duration(p.reply_minutes) }) }));
    [["name", "input", t("name")], ["contact", "input", t("contact")], ["body", "textarea", t("message")]]
      .forEach(function (f) {
        ui.offline.appendChild(el("label", {}, [
          el("span", { text: f[2] }),
          el(f[1], { name: f[0], required: true, maxlength: f[0] === "body" ? "5000" : "100", rows: "3" })
        ]));
      });
    ui.offline.appendChild(ui.offlineError = el("p", { "class": "error", hidden: true }));
    ui.offline.appendChild(el("button", { "class": "send wide", type: "submit", text: t("leave") }));
  }

  function leaveMessage(event) {
    event.preventDefault();
    var form = ui.offline.elements;
    var body = Object.assign(greeting(), { name: form.name.value.trim(), contact: form.contact.value.trim(), body: form.body.value.trim(), client_id: uuid() });
    if (!body.name || !body.contact || !body.body) {
      ui.offlineError.hidden = false;
      ui.offlineError.textContent = t("required");
      return;
    }
    identified().then(function () {
      return request("POST", "/offline-messages", body);
    }).then(function (answer) {
      setConversation(answer.conversation);
      addMessage(answer.message);
      ui.list.appendChild(notice(t("left", { t: duration(answer.reply_minutes) })));
      state.leaveMessage = false;
      showPresence();
      connect();
    }, function (error) {
      ui.offlineError.hidden = false;
      ui.offlineError.textContent = problem(error);
    });
  }

  // --- self-service after-sales (a signed-in shopper's own delivered orders) ------------
  function toggleAfterSales() {
    ui.after.hidden = !ui.after.hidden;
    ui.afterButton.textContent = ui.after.hidden ? t("afterSales") : t("back");
    if (!ui.after.hidden) loadAfterSales();
  }

  function loadAfterSales(note) {
    identified().then(function () {
      return Promise.all([request("GET", "/orders"), request("GET", "/cases")]);
    }).then(function (answers) {
      var lines = [];
      answers[0].orders.forEach(function (o) {
        o.lines.forEach(function (l) { if (l.eligible) lines.push(Object.assign({ order: o.external_id, currency: o.currency }, l)); });
      });
      ui.after.replaceChildren(el("h4", { text: t("canApply") }));
      if (note) ui.after.prepend(el("p", { "class": "hint", text: note }));
      if (!lines.length) ui.after.appendChild(el("p", { "class": "muted", text: t("noLines", { n: answers[0].return_window_days }) }));
      lines.forEach(function (l) { ui.after.appendChild(lineItem(l)); });
      ui.after.appendChild(el("h4", { text: t("myCases") }));
      answers[1].cases.forEach(function (c) { ui.after.appendChild(caseItem(c)); });
    }, function (error) { ui.after.replaceChildren(el("p", { "class": "error", text: problem(error) })); });
  }

  function options(name, labels) {
    return el("select", { name: name, "aria-label": t(name) }, Object.keys(labels).map(function (k) {
      return el("option", { value: k, text: labels[k] });
    }));
  }

  // The photos of one request: picked in the form, stored through the chat's image upload
  // (checked by content on the server; a conversation is opened for them if there is none
  // yet, but nothing is sent in the chat) and named in the request as its evidence.
  var MAX_PHOTOS = 9;
  function photoPicker(showError, busy) {
    var ids = [];
    var strip = el("div", { "class": "photos" });
    var input = el("input", { type: "file", accept: "image/*", multiple: true, onchange: add });
    var pick = el("label", { "class": "pick" }, [icon("image"), el("span", { text: t("addPhotos", { n: MAX_PHOTOS }) }), input]);

    function thumb(upload) {
      var img = el("img", { alt: t("photo") });
      fetchImage(upload.id, true).then(function (src) { img.src = src; });
      var figure = el("figure", {}, [img]);
      figure.appendChild(el("button", { "class": "remove", type: "button", text: "×", "aria-label": t("removePhoto"), onclick: function () {
        ids = ids.filter(function (id) { return id !== upload.id; });
        figure.remove();
        pick.hidden = false;
      } }));
      return figure;
    }

    function add() {
      var files = Array.prototype.slice.call(input.files, 0, MAX_PHOTOS - ids.length);
      input.value = "";
      if (!files.length) return;
      showError(null);
      busy(true);
      ensureConversation().then(function (conversation) {
        // One after the other: the photos line up in the order they were picked.
        return files.reduce(function (previous, file) {
          return previous.then(function () {
            var form = new FormData();
            form.append("file", file);
            return request("POST", "/conversations/" + conversation.id + "/images", form, true);
          }).then(function (upload) {
            if (ids.length >= MAX_PHOTOS) return;
            ids.push(upload.id);
            strip.appendChild(thumb(upload));
          }, function (error) { showError(problem(error, true)); });
        }, Promise.resolve());
      }).then(function () {
        busy(false);
        pick.hidden = ids.length >= MAX_PHOTOS;
      }, function (error) { showError(problem(error, true)); busy(false); });
    }

    return { nodes: [strip, pick], ids: function () { return ids.slice(); } };
  }

  function lineItem(line) {
    var error = el("p", { "class": "error", role: "alert", hidden: true });
    var submit = el("button", { "class": "send wide", type: "submit", text: t("submitCase") });
    function showError(text) { error.hidden = !text; error.textContent = text || ""; }
    function busy(on) { submit.disabled = on; submit.textContent = on ? t("uploading") : t("submitCase"); }
    var photos = photoPicker(showError, busy);
    var form = el("form", { hidden: true, onsubmit: function (event) {
      event.preventDefault();
      var f = form.elements;
      var body = { order_line_id: line.id, type: f.kind.value, reason: f.reason.value, detail: f.detail.value.trim() || null, photo_upload_ids: photos.ids() };
      showError(null);
      request("POST", "/cases", body).then(function () { loadAfterSales(t("applied")); }, function (error) {
        showError(error.status === 409 ? t("duplicate") : error.status === 422 ? t("tooLate") : problem(error));
      });
    } }, [
      options("kind", TEXTS.types), options("reason", TEXTS.reasons),
      el("textarea", { name: "detail", rows: "2", maxlength: "1000", placeholder: t("detail"), "aria-label": t("detail") })
    ].concat(photos.nodes, [error, submit]));
    return el("div", { "class": "item" }, [
      el("div", { "class": "card-title", text: line.title }),
      el("div", { "class": "muted", text: t("orderNo") + " " + line.order + " · " + money(line.amount_cents, line.currency) }),
      el("button", { "class": "link", type: "button", text: t("apply"), onclick: function () { form.hidden = !form.hidden; } }),
      form
    ]);
  }

  function caseItem(c) {
    var reply = c.timeline.filter(function (e) { return e.body; }).pop();
    return el("div", { "class": "item case", "data-case": String(c.id) }, [
      el("div", { "class": "card-title", text: c.title }),
      el("div", { "class": "price", text: TEXTS.statuses[c.status] || c.status }),
      reply ? el("div", { "class": "muted", text: reply.body }) : null,
      c.rating ? ratedCase(c.rating.rating) : c.can_rate ? rateCase(c) : null
    ]);
  }

  function ratedCase(n) {
    return el("div", { "class": "case-rated", text: t("ratedCase", { stars: "★".repeat(n) + "☆".repeat(5 - n) }) });
  }

  // A resolved or closed case the shopper has not rated yet: 1–5 stars and a comment, once.
  function rateCase(c) {
    var picker = starPicker();
    var comment = el("textarea", { rows: "2", maxlength: "1000", placeholder: t("comment"), "aria-label": t("comment") });
    var error = el("p", { "class": "error", role: "alert", hidden: true });
    var box = el("div", { "class": "case-rating" }, [el("div", { text: t("rateCase") }), picker.row, comment, error]);
    box.appendChild(el("button", { "class": "send wide", type: "button", text: t("submit"), onclick: function () {
      if (!picker.chosen()) return;
      request("POST", "/cases/" + c.id + "/rating", { rating: picker.chosen(), comment: comment.value.trim() || null })
        .then(function (rated) { box.replaceWith(ratedCase(rated.rating.rating)); }, function (failure) {
          error.hidden = false;
          error.textContent = failure.status === 409 ? t("alreadyRated") : problem(failure);
        });
    } }));
    return box;
  }

  // --- messages ------------------------------------------------------------------------
  function notice(text) { return el("div", { "class": "notice", text: text }); }

  function productCard(p) {
    var url = safeUrl(p.url);
    return el(url ? "a" : "div", { "class": "card", href: url, target: "_blank", rel: "noopener noreferrer" }, [
      el("div", { "class": "card-pic" }, [icon("bag")]),
      el("div", {}, [
        el("div", { "class": "card-title", text: String(p.title || "") }),
        el("div", { "class": "price", text: money(p.price_cents, p.currency) }),
        p.sku ? el("div", { "class": "muted", text: String(p.sku) }) : null
      ])
    ]);
  }

  function orderCard(o) {
    var url = safeUrl(o.url);
    return el(url ? "a" : "div", { "class": "card order", href: url, target: "_blank", rel: "noopener noreferrer" }, [
      el("div", { "class": "card-pic" }, [icon("box")]),
      el("div", {}, [
        el("div", { "class": "card-title", text: t("orderNo") + " " + String(o.order_no || o.external_id || o.id || "") }),
        o.status ? el("div", { "class": "muted", text: String(o.status_label || o.status) }) : null,
        o.total_cents != null ? el("div", { "class": "price", text: t("total") + " " + money(o.total_cents, o.currency) }) : null,
        o.items ? el("div", { "class": "muted", text: [].concat(o.items).map(function (i) {
          return typeof i === "string" ? i : String(i.title || "") + (i.quantity ? " ×" + i.quantity : "");
        }).join("、") }) : null
      ])
    ]);
  }

  function image(message) {
    var p = message.payload || {};
    var img = el("img", { alt: t("image"), "class": "pic", width: p.width ? Math.min(200, p.width) : null });
    if (p.upload_id) {
      fetchImage(p.upload_id, true).then(function (src) { img.src = src; });
      img.addEventListener("click", function () {
        fetchImage(p.upload_id, false).then(function (src) { window.open(src, "_blank", "noopener"); });
      });
    }
    return img;
  }

  function fetchImage(id, thumbnail) {
    return fetch(API + "/images/" + encodeURIComponent(id) + (thumbnail ? "/thumbnail" : ""), {
      headers: { "X-Visitor-Token": state.token }, credentials: "omit"
    }).then(function (r) { if (!r.ok) throw new Error(r.status); return r.blob(); })
      .then(function (blob) { return URL.createObjectURL(blob); });
  }

  function content(message) {
    var payload = message.payload || {};
    if (message.kind === "image") return image(message);
    if (message.kind === "card") {
      if (payload.product || payload.type === "product") return productCard(payload.product || payload);
      if (payload.order || payload.type === "order") return orderCard(payload.order || payload);
    }
    var bot = payload.bot || {};
    if (bot.choices && bot.choices.length) return choices(message.body, bot.choices);
    if (bot.leave_message && !(state.profile && state.profile.online)) showOfflineForm();
    return el("div", { "class": "text", text: message.body });
  }

  // The bot's "did you mean": one button per question; choosing one asks it.
  function choices(body, offered) {
    return el("div", { "class": "text" }, [el("div", { text: body })].concat(offered.map(function (c) {
      return el("button", { "class": "choice", type: "button", text: c.question, onclick: function () {
        send({ kind: "text", body: c.question, payload: null });
      } });
    })));
  }

  // The bot handed over outside business hours: leave a message instead of waiting.
  function showOfflineForm() {
    state.leaveMessage = true; // kept when presence is shown again (a profile reload)
    if (!ui.offline.firstChild) buildOfflineForm();
    ui.offline.hidden = false;
  }

  function bubble(message, key) {
    var mine = message.sender_kind === "visitor";
    var node = el("div", { "class": "msg " + (mine ? "mine" : "theirs"), "data-key": key }, [
      mine ? null : el("div", { "class": "avatar small", "aria-hidden": "true", text: "客" }),
      el("div", { "class": "body" }, [content(message), mine ? el("div", { "class": "receipt" }) : null])
    ]);
    if (message.sender_kind === "system" || message.kind === "event") node.className = "notice";
    return node;
  }

  function receipt(node, text, failed) {
    var r = node && node.querySelector(".receipt");
    if (!r) return;
    r.textContent = text;
    r.className = "receipt" + (failed ? " failed" : text === t("read") ? " read" : "");
  }

  function updateReceipts() {
    Object.keys(state.messages).forEach(function (id) {
      var message = state.messages[id];
      if (message.sender_kind !== "visitor") return;
      receipt(find(message.client_id || id), Number(id) <= state.agentRead ? t("read") : t("unread"));
    });
  }

  function find(key) { return ui.list.querySelector('[data-key="' + CSS.escape(String(key)) + '"]'); }

  function addMessage(message) {
    if (!message || message.kind === "note") return;
    state.messages[message.id] = message;
    var key = message.client_id || message.id;
    var existing = find(key);
    if (message.payload && message.payload.greeting) {
      // The greeting the conversation stored: the one already on screen is that greeting.
      state.greeted = true;
      existing = existing || ui.list.querySelector("[data-greeting]");
      if (existing) { existing.setAttribute("data-key", key); return; }
      ui.list.insertBefore(bubble(message, key), ui.list.firstChild).setAttribute("data-greeting", "");
      return;
    }
    if (!existing) {
      ui.list.appendChild(bubble(message, key));
      if (message.sender_kind !== "visitor") {
        ui.typing.hidden = true;
        ui.queue.hidden = true;
        if (!state.open) showBadge();
      }
      if (message.sender_kind === "agent" && state.leaveMessage) {
        // A person answers after the bot offered the form: the chat goes on instead.
        state.leaveMessage = false;
        showPresence();
      }
    }
    dropFromOutbox(message.client_id);
    updateReceipts();
    scrollDown();
  }

  function showBadge() {
    ui.badge.hidden = false;
    ui.badge.textContent = String((Number(ui.badge.textContent) || 0) + 1);
  }

  function scrollDown() { ui.list.scrollTop = ui.list.scrollHeight; }

  // --- sending (every message has a client_id; unacked ones are retried with it) --------
  function sendText() {
    var text = ui.input.value.trim();
    if (!text) return;
    ui.input.value = "";
    typing(false);
    send({ kind: "text", body: text, payload: null });
  }

  // A new conversation stores the greeting the shopper sees (the panel always greets, even
  // when the first message beats the shop's profile to it), so agents read it too.
  function greeting() { return { greeting: LANG }; }

  // Requests made for the shopper wait until the widget knows who she is: she may type
  // before it has identified itself (a slow line, a busy server), and without the token
  // the request would be refused. An identification that failed is tried again.
  function identified() {
    state.identified = state.identified.catch(identify);
    return state.identified;
  }

  function ensureConversation() {
    if (state.conversation && state.conversation.status !== "closed") return Promise.resolve(state.conversation);
    // Messages typed while the conversation is being opened wait for that one request.
    if (!state.starting) {
      state.starting = identified().then(function () {
        return request("POST", "/conversations", greeting());
      }).then(function (conversation) {
        state.starting = null;
        setConversation(conversation);
        connect();
        return conversation;
      }, function (error) { state.starting = null; throw error; });
    }
    return state.starting;
  }

  function send(message) {
    message.client_id = uuid();
    var pending = { id: null, client_id: message.client_id, sender_kind: "visitor", kind: message.kind, body: message.body, payload: message.payload };
    ui.list.appendChild(bubble(pending, message.client_id));
    scrollDown();
    deliver(message);
  }

  function deliver(message) {
    receipt(find(message.client_id), t("sending"));
    ensureConversation().then(function (conversation) {
      message.conversation_id = conversation.id;
      state.outbox.push(message);
      save("outbox", state.outbox);
      flush(message);
    }, function (error) {
      // Not even a conversation (offline?): the shopper taps the receipt to try again.
      var node = find(message.client_id);
      receipt(node, error.status ? problem(error) : t("failed"), true);
      var r = node && node.querySelector(".receipt");
      if (r) r.onclick = function () { r.onclick = null; deliver(message); };
    });
  }

  function flush(message) {
    var socket = state.socket;
    if (socket && socket.readyState === 1 && socket.welcomed) {
      socket.send(JSON.stringify({ type: "message", conversation_id: message.conversation_id, client_id: message.client_id,
        body: message.body, kind: message.kind, payload: message.payload }));
      return;
    }
    // No live socket: the REST route stores it just as well (same client_id, same message).
    request("POST", "/conversations/" + message.conversation_id + "/messages", {
      client_id: message.client_id, body: message.body, kind: message.kind, payload: message.payload
    }).then(addMessage, function (error) {
      if (error.status && error.status < 500 && error.status !== 429) {
        failed(message.client_id, problem(error));
        dropFromOutbox(message.client_id);
      } else retryLater();
    });
  }

  // A hiccup on our side (a 5xx, a 429, a lost request) leaves the message in the outbox;
  // it goes again by itself, sooner at first, instead of waiting for the next reconnect.
  // The client_id makes a second copy impossible.
  function retryLater() {
    if (state.retry) return;
    var wait = state.retryWait * (0.75 + Math.random() / 2);
    state.retryWait = Math.min(state.retryWait * 2, 30000);
    state.retry = setTimeout(function () {
      state.retry = null;
      state.outbox.forEach(flush);
    }, wait);
  }

  function failed(clientId, text) {
    var node = find(clientId);
    receipt(node, text, true);
  }

  function dropFromOutbox(clientId) {
    if (!clientId) return;
    var before = state.outbox.length;
    state.outbox = state.outbox.filter(function (m) { return m.client_id !== clientId; });
    if (state.outbox.length !== before) save("outbox", state.outbox);
    if (!state.outbox.length) state.retryWait = FIRST_RETRY;
  }

  function sendImage() {
    var file = ui.file.files[0];
    ui.file.value = "";
    if (!file) return;
    ensureConversation().then(function (conversation) {
      var form = new FormData();
      form.append("file", file);
      return request("POST", "/conversations/" + conversation.id + "/images", form, true);
    }).then(function (upload) {
      send({ kind: "image", body: "", payload: { upload_id: upload.id, width: upload.width, height: upload.height } });
    }, function (error) { ui.list.appendChild(notice(problem(error, true))); scrollDown(); });
  }

  // --- typing ----------------------------------------------------------------------------
  var typingSent = 0, typingStop = null, typingHide = null;
  function typing(on) {
    var socket = state.socket;
    if (!state.conversation || !socket || socket.readyState !== 1 || !socket.welcomed) return;
    socket.send(JSON.stringify({ type: "typing", conversation_id: state.conversation.id, typing: on }));
    typingSent = on ? Date.now() : 0;
  }
  function onTyping() {
    if (Date.now() - typingSent > 3000) typing(true);
    clearTimeout(typingStop);
    typingStop = setTimeout(function () { typing(false); }, 4000);
  }
  function showTyping(on) {
    ui.typing.hidden = !on;
    clearTimeout(typingHide);
    if (on) typingHide = setTimeout(function () { ui.typing.hidden = true; }, 8000);
  }

  // --- the conversation ----------------------------------------------------------------
  function setConversation(conversation) {
    state.conversation = conversation;
    state.conversationId = conversation.id;
    save("conversation", conversation.id);
    state.agentRead = Math.max(state.agentRead, conversation.agent_read_message_id || 0);
    showQueue(conversation);
    if (conversation.status === "closed") ended();
    updateReceipts();
    showPresence();
  }

  // While no agent has the conversation: "n ahead of you" (position 1 is next), and the
  // rough wait when someone who could take it is online.
  function showQueue(conversation) {
    var position = conversation.queue_position;
    ui.queue.hidden = !(position > 0 && conversation.status === "open");
    if (ui.queue.hidden) return;
    var wait = conversation.expected_wait_seconds;
    ui.queue.textContent = (position > 1 ? t("queue", { n: position - 1 }) : t("queueNext")) +
      (wait != null ? t("wait", { t: duration(Math.max(1, Math.ceil(wait / 60))) }) : "");
  }

  // After the rating: the 0–10 NPS question, answered with one tap (or not at all).
  function askToRecommend(box, conversation) {
    var scores = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(function (n) {
      return el("button", { type: "button", text: String(n), "aria-label": t("score", { n: n }), onclick: function () {
        request("POST", "/conversations/" + conversation.id + "/nps", { score: n })
          .then(function () { box.replaceChildren(el("strong", { text: t("recommended") })); }, function (error) {
            box.appendChild(notice(problem(error)));
          });
      } });
    });
    box.appendChild(el("div", { text: t("recommend") }));
    box.appendChild(el("div", { "class": "nps" }, scores));
    box.appendChild(el("div", { "class": "nps-ends" }, [el("span", { text: t("unlikely") }), el("span", { text: t("likely") })]));
  }

  // 1–5 stars to tap (a conversation's or a case's rating): the row and the number chosen.
  function starPicker() {
    var chosen = 0;
    var stars = [1, 2, 3, 4, 5].map(function (n) {
      return el("button", { type: "button", "class": "star", "aria-label": TEXTS.stars[n - 1], title: TEXTS.stars[n - 1], text: "★",
        onclick: function () {
          chosen = n;
          stars.forEach(function (s, i) { s.classList.toggle("on", i < n); });
        } });
    });
    return { row: el("div", { "class": "stars" }, stars), chosen: function () { return chosen; } };
  }

  function ended() {
    if (root.querySelector(".rating") || !state.conversation) return;
    var conversation = state.conversation, picker = starPicker();
    var comment = el("textarea", { rows: "2", maxlength: "1000", placeholder: t("comment"), "aria-label": t("comment") });
    var box = el("div", { "class": "rating" }, [el("strong", { text: t("closed") })]);
    if (conversation.rating == null) {
      box.appendChild(el("div", { text: t("rate") }));
      box.appendChild(picker.row);
      box.appendChild(comment);
      box.appendChild(el("button", { "class": "send wide", type: "button", text: t("submit"), onclick: function () {
        if (!picker.chosen()) return;
        request("POST", "/conversations/" + conversation.id + "/rating", { rating: picker.chosen(), comment: comment.value.trim() || null })
          .then(function () {
            box.replaceChildren(el("strong", { text: t("thanks") }));
            askToRecommend(box, conversation);
          }, function (error) {
            box.appendChild(notice(problem(error)));
          });
      } }));
    }
    box.appendChild(el("button", { "class": "link", type: "button", text: t("newChat"), onclick: function () {
      state.conversation = null;
      save("conversation", null);
      box.remove();
      showPresence();
      ui.input.focus();
    } }));
    ui.list.appendChild(box);
    scrollDown();
  }

  function loadHistory() {
    if (!state.conversationId) return Promise.resolve();
    var id = state.conversationId;
    return Promise.all([
      request("GET", "/conversations/" + id),
      request("GET", "/conversations/" + id + "/messages?limit=100")
    ]).then(function (answers) {
      answers[1].items.slice().reverse().forEach(addMessage);
      setConversation(answers[0]);
      state.outbox.forEach(function (m) {
        if (!find(m.client_id)) ui.list.appendChild(bubble({ sender_kind: "visitor", kind: m.kind, body: m.body, payload: m.payload }, m.client_id));
        receipt(find(m.client_id), t("sending"));
      });
    }, function () { save("conversation", null); state.conversationId = null; });
  }

  // --- the socket: hello with last_event_id, replay, live events, backoff ----------------
  function connect() {
    if (!state.token || (state.socket && state.socket.readyState <= 1)) return;
    var socket = new WebSocket(BASE.replace(/^http/, "ws") + "/ws/visitor?token=" + encodeURIComponent(state.token));
    state.socket = socket;
    socket.onopen = function () {
      // Without a cursor the server streams only from now on; what happened since the
      // conversation began is read once over REST after the welcome.
      socket.fresh = state.lastEventId == null;
      socket.send(JSON.stringify({ type: "hello", last_event_id: state.lastEventId }));
    };
    socket.onmessage = function (raw) {
      var frame;
      try { frame = JSON.parse(raw.data); } catch (e) { return; }
      onFrame(socket, frame);
    };
    socket.onclose = function () {
      if (state.socket !== socket) return;
      state.socket = null;
      if (state.open) ui.status.textContent = t("offline");
      var wait = state.backoff * (0.75 + Math.random() / 2);
      state.backoff = Math.min(state.backoff * 2, 30000);
      setTimeout(connect, wait);
    };
  }

  function remember(id) {
    state.lastEventId = id;
    save("last_event_id", id);
  }

  function onFrame(socket, frame) {
    if (frame.type === "welcome") {
      socket.welcomed = true;
      state.backoff = 1000;
      remember(frame.last_event_id);
      showPresence();
      if (socket.fresh) loadHistory();
      state.outbox.forEach(flush);
    } else if (frame.type === "event") {
      remember(frame.id);
      onEvent(frame.name, frame.data || {});
    } else if (frame.type === "ack") {
      dropFromOutbox(frame.client_id);
      var node = find(frame.client_id);
      if (node) receipt(node, frame.message_id <= state.agentRead ? t("read") : t("unread"));
      state.messages[frame.message_id] = state.messages[frame.message_id] || { id: frame.message_id, client_id: frame.client_id, sender_kind: "visitor" };
    } else if (frame.type === "typing") {
      if (frame.sender_kind !== "visitor") showTyping(frame.typing);
    } else if (frame.type === "error") {
      if (frame.code === "unknown_stream" || frame.code === "stale_cursor") loadHistory();
      else if (frame.client_id && frame.code !== "internal" && frame.code !== "rate_limited") {
        failed(frame.client_id, frame.message);
        dropFromOutbox(frame.client_id);
      } else {
        if (frame.code === "rate_limited") ui.list.appendChild(notice(t("tooFast")));
        if (frame.client_id) retryLater();
      }
    }
  }

  function onEvent(name, data) {
    if (name === "message.created") {
      if (!state.conversation || data.conversation_id === state.conversation.id) addMessage(data.message);
    } else if (name === "conversation.started" || name === "conversation.changed") {
      var conversation = data.conversation;
      if (!state.conversation || conversation.id === state.conversation.id) {
        setConversation(Object.assign({}, state.conversation || {}, conversation));
        // The shopper's copy says nothing of the queue: ask where it stands now.
        request("GET", "/conversations/" + conversation.id).then(setConversation, function () {});
      }
    } else if (name === "queue.position_changed") {
      if (state.conversation && data.conversation_id === state.conversation.id) {
        setConversation(Object.assign({}, state.conversation, {
          queue_position: data.queue_position, expected_wait_seconds: data.expected_wait_seconds
        }));
      }
    } else if (name === "conversation.read") {
      state.agentRead = Math.max(state.agentRead, data.message_id || 0);
      updateReceipts();
    }
  }

  // --- opening, closing, start-up ------------------------------------------------------
  function toggle() {
    state.open = !state.open;
    ui.panel.hidden = !state.open;
    ui.launcher.hidden = state.open;
    ui.invite.hidden = true;
    host.classList.toggle("open", state.open);
    if (state.open) {
      ui.badge.hidden = true;
      ui.badge.textContent = "";
      greet();
      scrollDown();
      if (!ui.composer.hidden) ui.input.focus();
    }
  }

  function identify() {
    var body = { token: state.token, page: location.href.slice(0, 2000) };
    var customer = script.getAttribute("data-customer-id");
    if (customer) {
      body.customer_id = customer;
      body.customer_signature = script.getAttribute("data-customer-signature") || "";
    }
    return request("POST", "/" + encodeURIComponent(SHOP) + "/visitors", body).then(function (answer) {
      if (answer.token !== state.token) {
        // A new visitor (or the old token no longer valid): forget the other one's state.
        if (state.token) { save("conversation", null); save("last_event_id", null); save("outbox", null); state.conversationId = null; state.lastEventId = null; state.outbox = []; }
        state.token = answer.token;
        save("token", answer.token);
      }
    });
  }

  // The page view agents see in their live visitor list; a failure here never stops the chat.
  function reportPageView() {
    var body = { page: location.href.slice(0, 2000), title: (document.title || "").slice(0, 300) || null };
    var product = script.getAttribute("data-product-id");
    if (product) body.product_id = product.slice(0, 64);
    var cart = parseInt(script.getAttribute("data-cart-value-cents") || "", 10);
    if (cart >= 0) body.cart_value_cents = cart;
    return request("POST", "/page-views", body).then(showInvitation).catch(function () {});
  }

  // Shown once per page: the shop counts it (once per page view, reloads included).
  function showInvitation(answer) {
    // Not to a shopper already chatting (nor twice on one page).
    var chatting = state.conversationId && !(state.conversation && state.conversation.status === "closed");
    if (!answer || !answer.invitation || state.open || state.invited || chatting) return;
    state.invited = true;
    ui.invite.textContent = answer.invitation;
    ui.invite.hidden = false;
    state.invitation = answer.invitation_id;
    reportInvitation("shown");
  }

  function reportInvitation(what) {
    if (state.invitation) request("POST", "/invitations/" + encodeURIComponent(state.invitation) + "/" + what).catch(function () {});
  }

  function acceptInvitation() {
    reportInvitation("accepted");
    state.invitation = null;
    toggle();
  }

  // Time-on-page rules can only fire, and agents only see the shopper still there, if the
  // widget tells the server the shopper stayed (while the page is in view).
  var REPORT_EVERY_MS = 15000;
  function keepReporting() {
    setTimeout(function () {
      (document.visibilityState === "hidden" ? Promise.resolve() : reportPageView()).then(keepReporting);
    }, REPORT_EVERY_MS);
  }

  function start() {
    build();
    state.identified = identify();
    state.identified.then(function () {
      reportPageView().then(keepReporting);
      request("GET", "/profile").then(function (profile) {
        state.profile = profile;
        rotateAnnouncements(profile.announcements || []);
        showPresence();
        if (state.open) greet();
      });
      return loadHistory();
    }).then(function () {
      if (state.conversationId) connect();
    });
  }

  window.Kefu = {
    version: "1",
    open: function () { if (!state.open) toggle(); },
    close: function () { if (state.open) toggle(); }
  };
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
