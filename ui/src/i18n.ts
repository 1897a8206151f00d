// Every string the window shows, in Japanese (default) and English.
// `ja` defines the keys; `en` must have exactly the same ones (checked by the
// type below and by a test). Placeholders are `{name}`; values are filled in by `t`.

const ja = {
  "app.title": "受付",
  "app.demo": "デモ",
  "app.loading": "読み込み中…",
  "lang.toggle": "English / 日本語",
  "common.back": "戻る",
  "common.close": "閉じる",
  "common.yen": "{amount}円",
  "common.required": "必須",

  // failed store
  "store.title": "ローカルデータを開けません",
  "store.code": "エラーコード：{code}",
  "store.contact": "この画面のまま管理者に連絡してください。",
  "reset.title": "ローカルキャッシュを初期化",
  "reset.explain1":
    "読み取れないファイルは暗号化されたまま別の場所に退避され、新しい空のキャッシュで起動し直します。",
  "reset.explain2":
    "まだ送信されていないデータは、この端末では退避したファイルから復元できません。",
  "reset.explain3": "初期化の後、名簿は中央のサーバーから取得し直します。",
  "reset.prompt": "確認のため「{word}」と入力してください",
  "reset.submit": "初期化する",
  "adminReset.title": "端末のデータを初期化",
  "adminReset.explain1":
    "この端末のローカルデータを暗号化したまま別の場所に退避し、新しい空のデータで始め直します。",
  "adminReset.explain2": "中央サーバーに登録済みの端末は、名簿を中央サーバーから取得し直します。",
  "adminReset.explain3":
    "中央サーバーにまだ送信していない記録があるときは初期化できません。初期化すると全員ログアウトします。",
  "adminReset.busy": "初期化しています…",

  // login
  "login.title": "職員ログイン",
  "login.staffId": "職員ID",
  "login.password": "パスワード",
  "login.totp": "確認コード（認証アプリの6桁）",
  "login.submit": "ログイン",
  "login.busy": "確認しています…",
  "login.endedIdle": "操作がなかったため、ログアウトしました",
  "login.endedUser": "ログアウトしました",
  "login.hintsTitle": "デモ用アカウント（架空のデータ）",
  "login.hintsNote": "デモ専用です。確認コードは30秒ごとに変わります。",
  "login.hintStaff": "職員",
  "login.hintRole": "役割",
  "login.hintPassword": "パスワード",
  "login.hintCode": "確認コード",
  "login.hintUse": "入力",
  "login.hintUseLabel": "{staff_id} の情報をログイン欄に入力",
  "role.reception": "受付",
  "role.clerk": "事務",
  "role.supervisor": "所属長",
  "role.administrator": "管理者",

  // header
  "header.session": "会場・日時",
  "header.notToday": "本日（{date}）の会場ではありません",
  "header.staff": "担当：{name}",
  "header.logout": "ログアウト",
  "header.audit": "監査ログ",
  "header.password": "パスワード変更",
  "header.pending": "未送信 {count}件",
  "header.noSessions": "予定されている会場・日時がありません",
  "header.pendingHelp": "中央のサーバーにまだ送信していない記録の数",
  "noAccess": "この役割では受付画面を利用できません。",

  // search
  "search.label": "受診券番号 または カナ氏名",
  "search.placeholder": "受診券をスキャン、またはカナで入力",
  "search.birthLabel": "生年月日（和暦も可）",
  "search.birthPlaceholder": "例：S30.4.1",
  "search.submit": "検索",
  "search.hint": "Enter：検索　↑↓：選択　Esc：クリア　Ctrl+Enter：受付",
  "results.none": "該当する方が見つかりません。名簿にない方は「当日受付」から登録できます。",
  "results.count": "{count}件",
  "results.label": "検索結果",

  // resident
  "sex.male": "男",
  "sex.female": "女",
  "sex.unknown": "不明",
  "age.value": "{age}歳",
  "dv.mark": "※住所非表示",
  "card.label": "受診者",
  "card.kana": "フリガナ",
  "card.birth": "生年月日",
  "card.age": "年齢",
  "card.sex": "性別",
  "card.address": "住所",
  "card.voucher": "受診券番号",
  "card.noVoucher": "なし",
  "card.provisional": "仮登録",
  "card.copayCategory": "自己負担区分",
  "card.dvWarning": "支援措置対象者：住所は表示されません。第三者に在否を伝えないでください。",
  "card.gaiji": "外字を含みます：{codes}",
  "card.checkedIn": "受付済（受付番号 {no}）",
  "card.elsewhere": "他の端末で受付済みです：{terminal}（No. {no}、{time}）",
  "card.walkInMatched": "照合済み：宛名番号 {resident_id}",
  "card.walkInMatchedNote": "照合済み：宛名番号 {resident_id}（{note}）",
  "card.walkInRejected": "照合不可：{note}",
  "card.walkInRejectedNoNote": "照合不可",
  "card.correct": "訂正する",
  "card.close": "閉じる（Esc）",
  "card.myNumber": "個人番号を表示",

  // 個人番号 (My Number)
  "myNumber.title": "個人番号の表示",
  "myNumber.note": "表示は監査のため記録されます。処理事由を入力してください。",
  "myNumber.reason": "処理事由",
  "myNumber.submit": "表示する",
  "myNumber.cancel": "キャンセル",
  "myNumber.busy": "中央サーバーに問い合わせています…",
  "myNumber.label": "個人番号",
  "myNumber.recorded": "この表示は記録されています。画面を閉じると消去されます",
  "myNumber.close": "閉じる",

  // own password
  "password.title": "パスワードの変更",
  "password.rules":
    "新しいパスワードは12文字以上（128文字まで）にしてください。職員IDを含むものや、よく使われているものは使えません。",
  "password.online": "中央サーバーに接続しているときだけ変更できます。",
  "password.current": "現在のパスワード",
  "password.new": "新しいパスワード",
  "password.confirm": "新しいパスワード（確認のためもう一度）",
  "password.submit": "変更する",
  "password.cancel": "キャンセル",
  "password.close": "閉じる",
  "password.busy": "中央サーバーで変更しています…",
  "password.done": "パスワードを変更しました",

  // audit log and account unlock (supervisor)
  "audit.title": "監査ログ（この端末のアクセスログ）",
  "audit.staff": "職員ID",
  "audit.resident": "宛名番号",
  "audit.operation": "処理内容",
  "audit.operationAll": "すべて",
  "audit.from": "開始日",
  "audit.to": "終了日",
  "audit.search": "検索",
  "audit.close": "閉じる",
  "audit.busy": "検索しています…",
  "audit.count": "{count}件（新しい順）",
  "audit.limited": "{count}件（新しい順、上限）。条件を絞り込んでください",
  "audit.none": "該当する記録はありません",
  "audit.col.at": "処理日時",
  "audit.col.staff": "職員",
  "audit.col.department": "部署",
  "audit.col.reason": "処理事由",
  "audit.col.resident": "宛名番号",
  "audit.col.operation": "処理内容",
  "audit.col.detail": "詳細",
  "auditOp.login_ok": "ログイン成功",
  "auditOp.login_fail": "ログイン失敗",
  "auditOp.logout": "ログアウト",
  "auditOp.search_voucher": "受診券検索",
  "auditOp.search_kana": "カナ検索",
  "auditOp.view": "閲覧",
  "auditOp.list_attendees": "受付者一覧",
  "auditOp.check_in": "受付",
  "auditOp.correct": "訂正",
  "auditOp.cancel": "取消",
  "auditOp.walk_in_register": "飛込登録",
  "auditOp.eligibility": "受診可否",
  "auditOp.account_locked": "アカウントロック",
  "auditOp.account_unlock": "ロック解除",
  "auditOp.refused": "操作拒否",
  "auditOp.view_my_number": "個人番号閲覧",
  "auditOp.view_audit": "監査ログ閲覧",
  "auditOp.staff_selected": "担当者選択（旧版）",
  "auditOp.password_change": "パスワード変更",
  "unlock.title": "アカウントのロック解除",
  "unlock.staffId": "職員ID",
  "unlock.submit": "ロックを解除",
  "unlock.done": "{staff_id} のロックを解除しました",

  // eligibility and screenings
  "programmes.title": "受診する検診",
  "elig.ok": "対象",
  "elig.too_young": "対象年齢未満（{age}歳／{min}歳以上）",
  "elig.too_old": "対象年齢を超えています（{age}歳／{max}歳まで）",
  "elig.not_listed_age": "節目年齢ではありません（{age}歳）",
  "elig.wrong_sex": "対象の性別ではありません",
  "elig.screened_too_recently": "前回受診：{last_fiscal_year}年度（{interval_years}年に1回）",
  "elig.already_screened_once": "受診済み：{fiscal_year}年度（生涯1回）",
  "elig.override": "対象外で受診する理由",
  "status.label": "状況",
  "status.received": "受付済",
  "status.done": "実施",
  "status.stopped": "中止",
  "stop.reason": "中止理由",

  // identity and copay
  "identity.label": "本人確認",
  "identity.voucher_only": "受診券のみ",
  "identity.my_number_card": "マイナンバーカード",
  "identity.drivers_license": "運転免許証",
  "identity.insurance_card": "健康保険証・資格確認書",
  "identity.other_document": "その他の書類",
  "identity.verbal": "口頭確認",
  "copay.label": "自己負担",
  "copay.category": "区分",
  "copay.standard": "一般",
  "copay.age70_plus": "70歳以上",
  "copay.late_elderly_insured": "後期高齢者医療",
  "copay.public_assistance": "生活保護",
  "copay.chinese_residual_support": "中国残留邦人等",
  "copay.tax_exempt_household": "市民税非課税世帯",
  "copay.proof": "確認した証明書",
  "copay.proofPlaceholder": "例：受給者証",
  "copay.amount": "金額（円）",

  // check-in
  "checkin.submit": "受付する（Ctrl+Enter）",
  "checkin.done": "受付番号 {no}",
  "checkin.doneLabel": "受付しました",

  // counts
  "counts.title": "受付状況",
  "counts.total": "受付人数",
  "counts.cancelled": "取消",
  "counts.programme": "検診",

  // visit list
  "visits.title": "受付一覧",
  "visits.empty": "まだ受付はありません。",
  "visits.no": "No.",
  "visits.time": "受付 {time}",
  "visits.correct": "訂正",
  "visits.cancel": "取消",
  "visits.cancelled": "取消済：{reason}",

  // dialogs
  "cancel.title": "受付の取消",
  "cancel.question": "受付番号 {no} の受付を取り消します。",
  "cancel.reason": "取消理由",
  "cancel.confirm": "取り消す",
  "cancel.done": "受付番号 {no} を取り消しました",
  "correct.title": "受付内容の訂正（受付番号 {no}）",
  "correct.reason": "訂正理由",
  "correct.submit": "訂正する（Ctrl+Enter）",
  "correct.done": "受付番号 {no} を訂正しました",

  // walk-in
  "walkin.open": "当日受付（名簿にない方）",
  "walkin.title": "当日受付（仮登録）",
  "walkin.note": "名簿にない方を仮登録します。後日、住民記録と照合されます。",
  "walkin.nameKanji": "氏名（漢字）",
  "walkin.nameKana": "フリガナ",
  "walkin.sex": "性別",
  "walkin.sexChoose": "選択してください",
  "walkin.birth": "生年月日（和暦可）",
  "walkin.postal": "郵便番号",
  "walkin.address": "住所",
  "walkin.phone": "電話番号",
  "walkin.submit": "登録して受付へ",

  // sync bar (state of the link to the central service)
  "sync.label": "中央サーバーとの同期",
  "sync.terminal": "端末名：{name}　接続先：{url}",
  "sync.state.loading": "確認中…",
  "sync.state.demo": "デモモード（未登録）",
  "sync.state.never_synced": "未同期",
  "sync.state.syncing": "同期中…",
  "sync.state.online": "オンライン",
  "sync.state.offline": "オフライン",
  "sync.state.revoked": "この端末は失効しています",
  "sync.state.error": "同期エラー",
  "sync.pending": "未送信 {count} 件",
  "sync.deferred": "（うち保留 {count} 件）",
  "sync.last": "最終同期 {time}",
  "sync.lastNever": "最終同期 なし",
  "sync.now": "今すぐ同期",
  "sync.progress": "名簿を受信中 {applied} / {total} 件",
  "sync.skewAhead":
    "端末の時計が中央サーバーと {minutes} 分ずれています（端末が進んでいます）。時計を確認してください。",
  "sync.skewBehind":
    "端末の時計が中央サーバーと {minutes} 分ずれています（端末が遅れています）。時計を確認してください。",
  "sync.rejectedTitle": "中央サーバーが受け付けなかった記録：{count} 件",
  "sync.rejectedHelp": "原因を解消してから「再送」を押してください。",
  "sync.requeue": "再送",
  "sync.err.OFFLINE":
    "中央サーバーに接続できません（LAN を確認してください）。記録は端末に保存され、接続が戻ると自動で送信されます。",
  "sync.err.TERMINAL_REVOKED":
    "この端末は管理者により失効されました。記録は端末に残っています。管理者に連絡してください。",
  "sync.err.SERVICE_UNAVAILABLE":
    "中央サーバーが一時的に利用できません。記録は端末に保存され、後で自動で送信されます。",
  "sync.err.TERMINAL_UNKNOWN": "中央サーバーにこの端末が登録されていません。管理者に連絡してください。",
  "sync.err.generic": "同期に失敗しました（コード: {code}）",
  "eventType.reception.checked_in.v1": "受付",
  "eventType.reception.corrected.v1": "訂正",
  "eventType.reception.cancelled.v1": "取消",
  "eventType.resident.walk_in_registered.v1": "仮登録",

  // enrollment (端末登録)
  "enroll.open": "中央サーバーに登録",
  "enroll.title": "端末登録",
  "enroll.note": "登録するとデモデータは退避され、名簿は中央サーバーから受信します。",
  "enroll.url": "中央サーバーのアドレス",
  "enroll.urlPlaceholder": "https://…:8443",
  "enroll.code": "登録コード",
  "enroll.codeHint": "管理者から受け取った32文字のコード（4文字ずつ区切り。例：ABCD-2345-…）",
  "enroll.submit": "登録",
  "enroll.cancel": "キャンセル",
  "enroll.busy": "中央サーバーに登録しています…",
  "enroll.err.ENROLLMENT_CODE_MALFORMED": "登録コードの形式が正しくありません。",
  "enroll.err.ENROLLMENT_CODE_INVALID":
    "登録コードが無効です（使用済み・期限切れ・誤り）。管理者に新しいコードを依頼してください。",
  "enroll.err.ENROLLMENT_CA_MISMATCH": "接続先の証明書が登録コードと一致しません。接続先を確認してください。",
  "enroll.err.OFFLINE": "中央サーバーに接続できません。",
  "enroll.err.ALREADY_ENROLLED": "この端末はすでに中央サーバーに登録されています。",
  "enroll.err.DEVICE_IDENTITY_ERROR": "この端末の鍵を作成・保存できませんでした。管理者に連絡してください。",
  "enroll.err.BAD_REQUEST": "中央サーバーが登録を受け付けませんでした。アドレスと登録コードを確認してください。",
  "enroll.err.SYNC_PROTOCOL_ERROR": "接続先が中央サーバーとして応答しません。アドレスを確認してください。",
  "enroll.err.SERVICE_UNAVAILABLE": "中央サーバーが一時的に利用できません。しばらくしてからもう一度お試しください。",
  "enroll.err.generic": "登録できませんでした（コード: {code}）",

  // field names (FIELD_REQUIRED, FIELD_TOO_LONG)
  "field.name_kanji": "氏名（漢字）",
  "field.name_kana": "フリガナ",
  "field.sex": "性別",
  "field.birth_date": "生年月日",
  "field.postal_code": "郵便番号",
  "field.address": "住所",
  "field.phone": "電話番号",
  "field.reason": "理由",
  "field.copay_proof": "確認した証明書",
  "field.service_url": "中央サーバーのアドレス",
  "field.enrollment_code": "登録コード",
  "field.staff_id": "職員ID",
  "field.password": "パスワード",
  "field.totp_code": "確認コード",
  "field.date": "日付",
  "field.current_password": "現在のパスワード",
  "field.new_password": "新しいパスワード",
  "field.password_confirm": "新しいパスワード（確認）",

  // action names (FORBIDDEN)
  "action.search_residents": "住民の検索",
  "action.view_resident": "受診者情報の表示",
  "action.check_in": "受付",
  "action.correct_visit": "受付の訂正",
  "action.cancel_visit": "受付の取消",
  "action.register_walk_in": "当日受付の登録",
  "action.view_attendance": "受付状況の表示",
  "action.unlock_account": "アカウントのロック解除",
  "action.view_audit_log": "監査ログの閲覧",
  "action.view_my_number": "個人番号の表示",
  "action.enroll_terminal": "端末登録",
  "action.reset_local_cache": "ローカルキャッシュの初期化",
  "action.change_own_password": "自分のパスワードの変更",

  // errors, by ApiError.code
  "err.dismiss": "閉じる",
  "err.generic": "エラーが発生しました（コード：{code}）",
  "err.ALREADY_CHECKED_IN": "この方は受付済みです（受付番号 {reception_no}）",
  "err.VOUCHER_NOT_FOUND":
    "受診券番号が見つかりません。番号を確認するか、カナと生年月日で検索してください。",
  "err.INVALID_VOUCHER_NUMBER": "受診券番号の形式が正しくありません（4〜16桁の数字）。",
  "err.INVALID_KANA_QUERY": "カナで入力してください",
  "err.EMPTY_KANA_QUERY": "検索するカナ氏名を入力してください",
  "err.INVALID_DATE": "生年月日を読み取れません（例：S30.4.1、昭和30年4月1日、1955-04-01）",
  "err.DATE_OUTSIDE_ERA": "その元号にない日付です（例：昭和64年1月8日は平成元年1月8日）",
  "err.OVERRIDE_REASON_REQUIRED": "{programme}は対象外です。受診を認める理由を入力してください",
  "err.STOP_REASON_REQUIRED": "{programme}の中止理由を入力してください",
  "err.EXEMPTION_PROOF_REQUIRED": "自己負担を免除するには、確認した証明書を入力してください",
  "err.PROVISIONAL_EXEMPTION_NOT_ALLOWED":
    "仮登録の方は、住民記録で確認されるまで自己負担を免除できません",
  "err.EXEMPT_COPAY_MUST_BE_ZERO": "免除の方の自己負担額は0円です",
  "err.COPAY_OUT_OF_RANGE": "自己負担額が正しくありません（{amount}円）",
  "err.INVALID_AMOUNT": "金額は0以上の整数（円）で入力してください",
  "err.NO_SCREENING_CHOSEN": "受診する検診を1つ以上選んでください",
  "err.DUPLICATE_SCREENING": "{programme}が重複しています",
  "err.PROGRAMME_NOT_OFFERED": "{programme}はこの会場・日時では実施していません",
  "err.REASON_REQUIRED": "理由を入力してください",
  "err.VISIT_CANCELLED": "この受付は取り消されているため変更できません",
  "err.VISIT_NOT_FOUND": "受付が見つかりません",
  "err.RESIDENT_NOT_FOUND": "受診者が見つかりません",
  "err.SESSION_NOT_FOUND": "会場・日時が見つかりません",
  "err.FIELD_REQUIRED": "{field}を入力してください",
  "err.FIELD_TOO_LONG": "{field}が長すぎます（{max}文字まで）",
  "err.BIRTH_DATE_OUT_OF_RANGE": "生年月日が未来の日付か、古すぎます",
  "err.INVALID_INPUT": "入力内容が正しくありません",
  "err.NOT_LOGGED_IN": "ログインしてください",
  "err.FORBIDDEN": "この役割では「{action}」はできません",
  "err.STAFF_NOT_FOUND": "職員が見つかりません",
  "err.STAFF_DISABLED": "この職員は利用停止中です",
  "err.AUTH_FAILED": "職員ID、パスワードまたは確認コードが正しくありません",
  "err.AUTH_THROTTLED": "ログインの失敗が続いたため、{wait_seconds}秒後にもう一度お試しください",
  "err.AUTH_LOCKED": "このアカウントはロックされています。監督者に解除を依頼してください",
  "err.AUTH_DISABLED": "このアカウントは利用停止中です。管理者に連絡してください",
  "err.AUTH_OFFLINE_GRACE_EXPIRED":
    "最後のオンラインでのログインから{grace_days}日を過ぎたため、ネットワークに接続してログインしてください",
  "err.AUTH_CLOCK_ROLLBACK": "端末の時計が過去に戻っています。管理者に連絡してください",
  "err.PASSWORD_TOO_SHORT": "パスワードは12文字以上にしてください",
  "err.PASSWORD_TOO_LONG": "パスワードは128文字以下にしてください",
  "err.PASSWORD_TOO_COMMON": "よく使われているパスワードや推測しやすいパスワードは使えません",
  "err.PASSWORD_CONTAINS_ID": "パスワードに職員IDを含めないでください",
  "err.PASSWORD_UNCHANGED": "新しいパスワードが現在のパスワードと同じです。別のパスワードにしてください",
  "err.PASSWORD_CURRENT_WRONG": "現在のパスワードが正しくありません",
  "err.PASSWORD_CHANGE_ONLINE_ONLY": "パスワードの変更は中央サービスに接続しているときだけできます",
  "err.PASSWORD_MISMATCH": "新しいパスワードが確認用の入力と一致しません。もう一度入力してください",
  "err.ALREADY_LOGGED_IN": "すでにログインしています",
  "err.MY_NUMBER_NOT_PERMITTED": "個人番号を表示する権限がありません",
  "err.MY_NUMBER_ONLINE_ONLY": "個人番号は中央サーバーに接続しているときだけ表示できます",
  "err.MY_NUMBER_NOT_ON_FILE": "この方の個人番号は登録されていません",
  "err.RESIDENT_UNKNOWN": "中央サーバーにこの方の記録がありません",
  "err.DATE_INVALID": "日付の形式が正しくありません（例：2026-11-24）",
  "err.NOT_DEMO": "この端末はデモモードではありません",
  "err.STORE_IO_FAILED":
    "ローカルデータの読み書きに失敗しました。もう一度お試しください。続く場合は管理者に連絡してください",
  "err.STORE_CORRUPT": "ローカルデータに不正な内容があります。管理者に連絡してください",
  "err.STORE_UNAVAILABLE": "ローカルデータが開かれていません",
  "err.RESET_NOT_CONFIRMED": "確認の文字が一致しません。表示されたとおりに入力してください",
  "err.RESET_WOULD_LOSE_EVENTS": "未送信の記録が{pending}件あるため初期化できません。先に同期してください",
  "err.STORE_KEY_MISSING": "ローカルデータの暗号鍵がOSの資格情報ストアに見つかりません。",
  "err.STORE_WRONG_KEY": "OSの資格情報ストアにある暗号鍵では、ローカルデータを開けません。",
  "err.STORE_NOT_ENCRYPTED": "ローカルデータのファイルが暗号化されていないため、使用しません。",
  "err.KEYSTORE_UNAVAILABLE":
    "OSの資格情報ストアを利用できません。OSにログインし直すか、管理者に連絡してください。",
  "err.KEYSTORE_ROUND_TRIP_FAILED": "OSの資格情報ストアが暗号鍵を正しく保存できませんでした。",
  "err.STORE_META_UNREADABLE": "ローカルデータの管理情報が読み取れません。",
  "err.STORE_DATABASE_MISSING": "ローカルデータのファイルが見つかりません。",
  "err.STORE_NOT_FOUND": "ローカルデータがありません。",
  "err.STORE_SCHEMA_TOO_NEW":
    "ローカルデータは新しい版のアプリで作成されています（形式 {found}、この版は {known} まで）。アプリを更新してください。",
  "err.STORE_INTEGRITY_FAILED": "ローカルデータの整合性検査に失敗しました。",
  "err.EVENT_NOT_REJECTED": "この記録は再送の対象ではありません（すでに再送されている可能性があります）",
  "err.IPC_FAILED": "アプリ内部の通信に失敗しました",
  "err.UI_ERROR": "画面の処理でエラーが発生しました。もう一度お試しください",
};

export type MsgKey = keyof typeof ja;

const en: Record<MsgKey, string> = {
  "app.title": "Uketsuke",
  "app.demo": "Demo",
  "app.loading": "Loading…",
  "lang.toggle": "English / 日本語",
  "common.back": "Back",
  "common.close": "Close",
  "common.yen": "¥{amount}",
  "common.required": "required",

  "store.title": "The local data cannot be opened",
  "store.code": "Error code: {code}",
  "store.contact": "Leave this screen open and contact the administrator.",
  "reset.title": "Reset the local cache",
  "reset.explain1":
    "The unreadable file is set aside, still encrypted, and the app starts again with a new, empty cache.",
  "reset.explain2": "Data not yet sent cannot be recovered from that file on this terminal.",
  "reset.explain3": "After the reset the roster is fetched again from the central service.",
  "reset.prompt": "To confirm, type “{word}”",
  "reset.submit": "Reset",
  "adminReset.title": "Reset this terminal’s data",
  "adminReset.explain1":
    "The local data on this terminal is set aside, still encrypted, and a new, empty store is started.",
  "adminReset.explain2": "An enrolled terminal then receives its roster from the central service again.",
  "adminReset.explain3":
    "The reset is refused while records have not been sent to the central service yet. Everyone is logged out.",
  "adminReset.busy": "Resetting…",

  "login.title": "Staff login",
  "login.staffId": "Staff ID",
  "login.password": "Password",
  "login.totp": "Confirmation code (6 digits from the authenticator app)",
  "login.submit": "Log in",
  "login.busy": "Checking…",
  "login.endedIdle": "You were logged out because there was no activity",
  "login.endedUser": "You have logged out",
  "login.hintsTitle": "Demo accounts (fictitious data)",
  "login.hintsNote": "Demo only. The confirmation codes change every 30 seconds.",
  "login.hintStaff": "Staff",
  "login.hintRole": "Role",
  "login.hintPassword": "Password",
  "login.hintCode": "Code",
  "login.hintUse": "Fill in",
  "login.hintUseLabel": "Fill in the login form as {staff_id}",
  "role.reception": "Reception",
  "role.clerk": "Clerk",
  "role.supervisor": "Supervisor",
  "role.administrator": "Administrator",

  "header.session": "Session",
  "header.notToday": "Not today’s session (today is {date})",
  "header.staff": "Staff: {name}",
  "header.logout": "Log out",
  "header.audit": "Audit log",
  "header.password": "Change password",
  "header.pending": "Unsent: {count}",
  "header.noSessions": "No sessions are scheduled",
  "header.pendingHelp": "Records not yet sent to the central service",
  "noAccess": "This role cannot use the reception screen.",

  "search.label": "Voucher number or name in kana",
  "search.placeholder": "Scan the voucher or type kana",
  "search.birthLabel": "Date of birth (Japanese era OK)",
  "search.birthPlaceholder": "e.g. S30.4.1",
  "search.submit": "Search",
  "search.hint": "Enter: search  ↑↓: choose  Esc: clear  Ctrl+Enter: check in",
  "results.none": "No match. People not on the roster can be registered with “Walk-in”.",
  "results.count": "{count} found",
  "results.label": "Search results",

  "sex.male": "Male",
  "sex.female": "Female",
  "sex.unknown": "Unknown",
  "age.value": "age {age}",
  "dv.mark": "※ address hidden",
  "card.label": "Resident",
  "card.kana": "Kana",
  "card.birth": "Date of birth",
  "card.age": "Age",
  "card.sex": "Sex",
  "card.address": "Address",
  "card.voucher": "Voucher no.",
  "card.noVoucher": "none",
  "card.provisional": "Provisional",
  "card.copayCategory": "Copay category",
  "card.dvWarning":
    "Under a support measure: the address is not shown. Do not tell anyone else whether this person is here.",
  "card.gaiji": "Contains non-standard characters: {codes}",
  "card.checkedIn": "Checked in (No. {no})",
  "card.elsewhere": "Already received on another terminal: {terminal} (No. {no}, {time})",
  "card.walkInMatched": "Matched: resident no. {resident_id}",
  "card.walkInMatchedNote": "Matched: resident no. {resident_id} ({note})",
  "card.walkInRejected": "Could not be matched: {note}",
  "card.walkInRejectedNoNote": "Could not be matched",
  "card.correct": "Correct",
  "card.close": "Close (Esc)",
  "card.myNumber": "Show My Number",

  "myNumber.title": "Show the My Number",
  "myNumber.note": "Every view is recorded for audit. Enter the reason.",
  "myNumber.reason": "Reason",
  "myNumber.submit": "Show",
  "myNumber.cancel": "Cancel",
  "myNumber.busy": "Asking the central service…",
  "myNumber.label": "My Number",
  "myNumber.recorded": "This view has been recorded. The number is erased when you close this window",
  "myNumber.close": "Close",

  "password.title": "Change your password",
  "password.rules":
    "The new password needs at least 12 characters (at most 128). It must not contain your staff ID or be a commonly used password.",
  "password.online": "It can only be changed while connected to the central service.",
  "password.current": "Current password",
  "password.new": "New password",
  "password.confirm": "New password (again, to confirm)",
  "password.submit": "Change",
  "password.cancel": "Cancel",
  "password.close": "Close",
  "password.busy": "Changing it on the central service…",
  "password.done": "Your password has been changed",

  "audit.title": "Audit log (this terminal’s access log)",
  "audit.staff": "Staff ID",
  "audit.resident": "Resident no.",
  "audit.operation": "Operation",
  "audit.operationAll": "All",
  "audit.from": "From",
  "audit.to": "To",
  "audit.search": "Search",
  "audit.close": "Close",
  "audit.busy": "Searching…",
  "audit.count": "{count} entries (newest first)",
  "audit.limited": "{count} entries (newest first, the maximum). Narrow the search",
  "audit.none": "No matching entries",
  "audit.col.at": "Date and time",
  "audit.col.staff": "Staff",
  "audit.col.department": "Department",
  "audit.col.reason": "Reason",
  "audit.col.resident": "Resident no.",
  "audit.col.operation": "Operation",
  "audit.col.detail": "Detail",
  "auditOp.login_ok": "Login",
  "auditOp.login_fail": "Failed login",
  "auditOp.logout": "Logout",
  "auditOp.search_voucher": "Voucher search",
  "auditOp.search_kana": "Kana search",
  "auditOp.view": "View",
  "auditOp.list_attendees": "Attendee list",
  "auditOp.check_in": "Check-in",
  "auditOp.correct": "Correction",
  "auditOp.cancel": "Cancellation",
  "auditOp.walk_in_register": "Walk-in registration",
  "auditOp.eligibility": "Eligibility",
  "auditOp.account_locked": "Account locked",
  "auditOp.account_unlock": "Account unlocked",
  "auditOp.refused": "Refused",
  "auditOp.view_my_number": "My Number view",
  "auditOp.view_audit": "Audit log view",
  "auditOp.staff_selected": "Staff chosen (old version)",
  "auditOp.password_change": "Password change",
  "unlock.title": "Unlock an account",
  "unlock.staffId": "Staff ID",
  "unlock.submit": "Unlock",
  "unlock.done": "{staff_id} has been unlocked",

  "programmes.title": "Screenings taken",
  "elig.ok": "Eligible",
  "elig.too_young": "Below the target age ({age}; from {min})",
  "elig.too_old": "Above the target age ({age}; up to {max})",
  "elig.not_listed_age": "Not a milestone age ({age})",
  "elig.wrong_sex": "Not the target sex",
  "elig.screened_too_recently": "Last screened in FY{last_fiscal_year} (once every {interval_years} years)",
  "elig.already_screened_once": "Already taken in FY{fiscal_year} (once per lifetime)",
  "elig.override": "Reason to accept outside the target",
  "status.label": "Status",
  "status.received": "Received",
  "status.done": "Done",
  "status.stopped": "Stopped",
  "stop.reason": "Reason for stopping",

  "identity.label": "Identity check",
  "identity.voucher_only": "Voucher only",
  "identity.my_number_card": "My Number card",
  "identity.drivers_license": "Driver’s licence",
  "identity.insurance_card": "Health insurance card / eligibility certificate",
  "identity.other_document": "Other document",
  "identity.verbal": "Verbal confirmation",
  "copay.label": "Copay",
  "copay.category": "Category",
  "copay.standard": "Standard",
  "copay.age70_plus": "Aged 70 or over",
  "copay.late_elderly_insured": "Late-stage elderly insurance",
  "copay.public_assistance": "Public assistance",
  "copay.chinese_residual_support": "Support for Japanese left in China",
  "copay.tax_exempt_household": "Tax-exempt household",
  "copay.proof": "Proof seen",
  "copay.proofPlaceholder": "e.g. recipient certificate",
  "copay.amount": "Amount (yen)",

  "checkin.submit": "Check in (Ctrl+Enter)",
  "checkin.done": "Reception No. {no}",
  "checkin.doneLabel": "Checked in",

  "counts.title": "Attendance",
  "counts.total": "Checked in",
  "counts.cancelled": "Cancelled",
  "counts.programme": "Screening",

  "visits.title": "Attendees",
  "visits.empty": "No one has been checked in yet.",
  "visits.no": "No.",
  "visits.time": "at {time}",
  "visits.correct": "Correct",
  "visits.cancel": "Cancel",
  "visits.cancelled": "Cancelled: {reason}",

  "cancel.title": "Cancel a check-in",
  "cancel.question": "Cancel check-in No. {no}.",
  "cancel.reason": "Reason for cancelling",
  "cancel.confirm": "Cancel check-in",
  "cancel.done": "Check-in No. {no} cancelled",
  "correct.title": "Correct check-in No. {no}",
  "correct.reason": "Reason for the correction",
  "correct.submit": "Save correction (Ctrl+Enter)",
  "correct.done": "Check-in No. {no} corrected",

  "walkin.open": "Walk-in (not on the roster)",
  "walkin.title": "Walk-in (provisional registration)",
  "walkin.note":
    "Registers a person who is not on the roster, provisionally; they are matched against the register later.",
  "walkin.nameKanji": "Name (kanji)",
  "walkin.nameKana": "Name (kana)",
  "walkin.sex": "Sex",
  "walkin.sexChoose": "Choose",
  "walkin.birth": "Date of birth (Japanese era OK)",
  "walkin.postal": "Postal code",
  "walkin.address": "Address",
  "walkin.phone": "Phone",
  "walkin.submit": "Register and continue",

  "sync.label": "Sync with the central service",
  "sync.terminal": "Terminal: {name}  Service: {url}",
  "sync.state.loading": "Checking…",
  "sync.state.demo": "Demo mode (not enrolled)",
  "sync.state.never_synced": "Not synced yet",
  "sync.state.syncing": "Syncing…",
  "sync.state.online": "Online",
  "sync.state.offline": "Offline",
  "sync.state.revoked": "This terminal has been revoked",
  "sync.state.error": "Sync error",
  "sync.pending": "Unsent: {count}",
  "sync.deferred": " ({count} on hold)",
  "sync.last": "Last sync {time}",
  "sync.lastNever": "Last sync: never",
  "sync.now": "Sync now",
  "sync.progress": "Receiving the roster: {applied} / {total}",
  "sync.skewAhead":
    "This terminal’s clock is {minutes} minutes off from the central service (the terminal is ahead). Check the clock.",
  "sync.skewBehind":
    "This terminal’s clock is {minutes} minutes off from the central service (the terminal is behind). Check the clock.",
  "sync.rejectedTitle": "Records the central service refused: {count}",
  "sync.rejectedHelp": "Fix the cause, then press “Resend”.",
  "sync.requeue": "Resend",
  "sync.err.OFFLINE":
    "Cannot reach the central service (check the LAN). Records are kept on this terminal and sent automatically when the connection returns.",
  "sync.err.TERMINAL_REVOKED":
    "The administrator has revoked this terminal. Its records remain on the terminal. Contact the administrator.",
  "sync.err.SERVICE_UNAVAILABLE":
    "The central service is temporarily unavailable. Records are kept on this terminal and sent automatically later.",
  "sync.err.TERMINAL_UNKNOWN": "The central service does not know this terminal. Contact the administrator.",
  "sync.err.generic": "Sync failed (code {code})",
  "eventType.reception.checked_in.v1": "Check-in",
  "eventType.reception.corrected.v1": "Correction",
  "eventType.reception.cancelled.v1": "Cancellation",
  "eventType.resident.walk_in_registered.v1": "Walk-in registration",

  "enroll.open": "Enroll with the central service",
  "enroll.title": "Enroll this terminal",
  "enroll.note": "Enrolling sets the demo data aside; the roster is then received from the central service.",
  "enroll.url": "Central service address",
  "enroll.urlPlaceholder": "https://…:8443",
  "enroll.code": "Enrollment code",
  "enroll.codeHint": "The 32-character code from the administrator (groups of four, e.g. ABCD-2345-…)",
  "enroll.submit": "Enroll",
  "enroll.cancel": "Cancel",
  "enroll.busy": "Enrolling with the central service…",
  "enroll.err.ENROLLMENT_CODE_MALFORMED": "The enrollment code is not in the right format.",
  "enroll.err.ENROLLMENT_CODE_INVALID":
    "The enrollment code is not valid (already used, expired or mistyped). Ask the administrator for a new code.",
  "enroll.err.ENROLLMENT_CA_MISMATCH":
    "The service’s certificate does not match the enrollment code. Check the address.",
  "enroll.err.OFFLINE": "Cannot reach the central service.",
  "enroll.err.ALREADY_ENROLLED": "This terminal is already enrolled with the central service.",
  "enroll.err.DEVICE_IDENTITY_ERROR": "This terminal’s key could not be created or stored. Contact the administrator.",
  "enroll.err.BAD_REQUEST": "The central service did not accept the enrollment. Check the address and the code.",
  "enroll.err.SYNC_PROTOCOL_ERROR": "The address does not answer as the central service. Check the address.",
  "enroll.err.SERVICE_UNAVAILABLE": "The central service is temporarily unavailable. Try again in a while.",
  "enroll.err.generic": "The terminal could not be enrolled (code {code})",

  "field.name_kanji": "the name (kanji)",
  "field.name_kana": "the name (kana)",
  "field.sex": "the sex",
  "field.birth_date": "the date of birth",
  "field.postal_code": "the postal code",
  "field.address": "the address",
  "field.phone": "the phone number",
  "field.reason": "the reason",
  "field.copay_proof": "the proof seen",
  "field.service_url": "the central service address",
  "field.enrollment_code": "the enrollment code",
  "field.staff_id": "the staff ID",
  "field.password": "the password",
  "field.totp_code": "the confirmation code",
  "field.date": "the date",
  "field.current_password": "the current password",
  "field.new_password": "the new password",
  "field.password_confirm": "the new password again",

  "action.search_residents": "search residents",
  "action.view_resident": "view a resident",
  "action.check_in": "check in",
  "action.correct_visit": "correct a check-in",
  "action.cancel_visit": "cancel a check-in",
  "action.register_walk_in": "register a walk-in",
  "action.view_attendance": "view attendance",
  "action.unlock_account": "unlock accounts",
  "action.view_audit_log": "view the audit log",
  "action.view_my_number": "view My Numbers",
  "action.enroll_terminal": "enroll the terminal",
  "action.reset_local_cache": "reset the local cache",
  "action.change_own_password": "change their own password",

  "err.dismiss": "Dismiss",
  "err.generic": "Something went wrong (code {code})",
  "err.ALREADY_CHECKED_IN": "This person is already checked in (No. {reception_no})",
  "err.VOUCHER_NOT_FOUND":
    "Voucher number not found. Check the number, or search by kana and date of birth.",
  "err.INVALID_VOUCHER_NUMBER": "The voucher number is not valid (4 to 16 digits).",
  "err.INVALID_KANA_QUERY": "Please type the name in kana",
  "err.EMPTY_KANA_QUERY": "Type a name in kana to search",
  "err.INVALID_DATE":
    "The date of birth cannot be read (e.g. S30.4.1, 昭和30年4月1日, 1955-04-01)",
  "err.DATE_OUTSIDE_ERA": "That date does not exist in that era (e.g. 昭和64年1月8日 is 平成元年1月8日)",
  "err.OVERRIDE_REASON_REQUIRED": "{programme} is outside the target: enter why it is accepted",
  "err.STOP_REASON_REQUIRED": "Enter why {programme} was stopped",
  "err.EXEMPTION_PROOF_REQUIRED": "A copay exemption needs the proof that was seen",
  "err.PROVISIONAL_EXEMPTION_NOT_ALLOWED":
    "A provisionally registered person cannot be exempted until the register confirms them",
  "err.EXEMPT_COPAY_MUST_BE_ZERO": "An exempt person’s copay is 0 yen",
  "err.COPAY_OUT_OF_RANGE": "The copay amount is not plausible ({amount} yen)",
  "err.INVALID_AMOUNT": "Enter the amount as a whole number of yen (0 or more)",
  "err.NO_SCREENING_CHOSEN": "Choose at least one screening",
  "err.DUPLICATE_SCREENING": "{programme} is listed twice",
  "err.PROGRAMME_NOT_OFFERED": "{programme} is not offered at this session",
  "err.REASON_REQUIRED": "Enter a reason",
  "err.VISIT_CANCELLED": "This check-in was cancelled and cannot be changed",
  "err.VISIT_NOT_FOUND": "Check-in not found",
  "err.RESIDENT_NOT_FOUND": "Resident not found",
  "err.SESSION_NOT_FOUND": "Session not found",
  "err.FIELD_REQUIRED": "Enter {field}",
  "err.FIELD_TOO_LONG": "Too long: {field} (at most {max} characters)",
  "err.BIRTH_DATE_OUT_OF_RANGE": "The date of birth is in the future or implausibly old",
  "err.INVALID_INPUT": "The input is not valid",
  "err.NOT_LOGGED_IN": "Please log in",
  "err.FORBIDDEN": "This role may not {action}",
  "err.STAFF_NOT_FOUND": "Staff member not found",
  "err.STAFF_DISABLED": "This staff account is disabled",
  "err.AUTH_FAILED": "The staff ID, password or confirmation code is not correct",
  "err.AUTH_THROTTLED": "Too many failed logins. Try again in {wait_seconds} seconds",
  "err.AUTH_LOCKED": "This account is locked. Ask a supervisor to unlock it",
  "err.AUTH_DISABLED": "This account is disabled. Contact the administrator",
  "err.AUTH_OFFLINE_GRACE_EXPIRED":
    "More than {grace_days} days have passed since the last online login. Connect to the network and log in",
  "err.AUTH_CLOCK_ROLLBACK": "This terminal’s clock has gone back in time. Contact the administrator",
  "err.PASSWORD_TOO_SHORT": "The password must have at least 12 characters",
  "err.PASSWORD_TOO_LONG": "The password must have at most 128 characters",
  "err.PASSWORD_TOO_COMMON": "Commonly used or easily guessed passwords cannot be used",
  "err.PASSWORD_CONTAINS_ID": "The password must not contain your staff ID",
  "err.PASSWORD_UNCHANGED": "The new password is the same as the current one. Choose a different one",
  "err.PASSWORD_CURRENT_WRONG": "The current password is not correct",
  "err.PASSWORD_CHANGE_ONLINE_ONLY": "The password can only be changed while connected to the central service",
  "err.PASSWORD_MISMATCH": "The new password and its confirmation do not match. Type them again",
  "err.ALREADY_LOGGED_IN": "Someone is already logged in",
  "err.MY_NUMBER_NOT_PERMITTED": "You are not permitted to view My Numbers",
  "err.MY_NUMBER_ONLINE_ONLY": "My Numbers can only be shown while connected to the central service",
  "err.MY_NUMBER_NOT_ON_FILE": "No My Number is on file for this person",
  "err.RESIDENT_UNKNOWN": "The central service has no record of this person",
  "err.DATE_INVALID": "The date is not valid (e.g. 2026-11-24)",
  "err.NOT_DEMO": "This terminal is not in demo mode",
  "err.STORE_IO_FAILED":
    "Reading or writing the local data failed. Try again; if it keeps failing, contact the administrator",
  "err.STORE_CORRUPT": "The local data contains malformed records. Contact the administrator",
  "err.STORE_UNAVAILABLE": "The local data is not open",
  "err.RESET_NOT_CONFIRMED": "The confirmation word does not match. Type it exactly as shown",
  "err.RESET_WOULD_LOSE_EVENTS": "Cannot reset: {pending} records have not been sent yet. Sync first",
  "err.STORE_KEY_MISSING":
    "The encryption key for the local data is missing from the OS credential store.",
  "err.STORE_WRONG_KEY": "The key in the OS credential store does not open the local data.",
  "err.STORE_NOT_ENCRYPTED": "The local data file is not encrypted, so it will not be used.",
  "err.KEYSTORE_UNAVAILABLE":
    "The OS credential store is not available. Sign in to the OS again or contact the administrator.",
  "err.KEYSTORE_ROUND_TRIP_FAILED": "The OS credential store did not keep the key it was given.",
  "err.STORE_META_UNREADABLE": "The local data’s description file is missing or unreadable.",
  "err.STORE_DATABASE_MISSING": "The local data file is missing.",
  "err.STORE_NOT_FOUND": "There is no local data.",
  "err.STORE_SCHEMA_TOO_NEW":
    "The local data was written by a newer version of the app (format {found}; this version knows up to {known}). Update the app.",
  "err.STORE_INTEGRITY_FAILED": "The local data failed its integrity check.",
  "err.EVENT_NOT_REJECTED": "This record is not waiting to be resent (it may have been resent already)",
  "err.IPC_FAILED": "Communication inside the app failed",
  "err.UI_ERROR": "The window ran into an error. Please try again",
};

export type Lang = "ja" | "en";
export type Vars = Record<string, string | number | bigint>;

export const dictionaries: Record<Lang, Record<MsgKey, string>> = { ja, en };

export const LANG_STORAGE_KEY = "uketsuke.lang";

let current: Lang = "ja";
let storage: Pick<Storage, "getItem" | "setItem"> | null = null;
const listeners = new Set<(lang: Lang) => void>();

/** Read the remembered language (Japanese unless English was chosen). */
export function initLang(store: Pick<Storage, "getItem" | "setItem"> | null): Lang {
  storage = store;
  let saved: string | null = null;
  try {
    saved = store?.getItem(LANG_STORAGE_KEY) ?? null;
  } catch {
    saved = null;
  }
  current = saved === "en" ? "en" : "ja";
  applyDocumentLang();
  return current;
}

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  current = lang;
  try {
    storage?.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Storage full or disabled: the choice lasts for this run only.
  }
  applyDocumentLang();
  for (const fn of listeners) fn(lang);
}

export function toggleLang(): Lang {
  setLang(current === "ja" ? "en" : "ja");
  return current;
}

export function onLangChange(fn: (lang: Lang) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function isKey(key: string): key is MsgKey {
  return Object.prototype.hasOwnProperty.call(ja, key);
}

/** The placeholders (`{name}`) a message uses. */
export function placeholders(message: string): string[] {
  return [...message.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1] ?? "").sort();
}

/** Fill `{name}` placeholders; a value that is missing shows as "?". */
export function interpolate(message: string, vars?: Vars): string {
  return message.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const v = vars?.[name];
    return v === undefined || v === null ? "?" : String(v);
  });
}

export function t(key: MsgKey, vars?: Vars, lang: Lang = current): string {
  return interpolate(dictionaries[lang][key], vars);
}

function applyDocumentLang(): void {
  if (typeof document !== "undefined") document.documentElement.lang = current;
}
